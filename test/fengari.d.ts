// fengari (a Lua VM for the tests of Argo CD's Lua health checks) ships no types.
declare module 'fengari';
