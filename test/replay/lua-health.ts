import { lauxlib, lua, lualib, to_luastring } from 'fengari';

/*
 * Argo CD's Lua health checks (argocd-cm `resource.customizations.health.<group>_<kind>`), run in a real
 * Lua 5.3 VM (fengari, from the npm registry) the way Argo CD runs them: the object as the global `obj`,
 * the script returns a table with `status` and `message`.
 */

/** Pushes a JSON value onto the Lua stack as Argo CD passes objects to health scripts (tables, strings, numbers, booleans). */
function push(L: any, value: unknown): void {
  if (value === null || value === undefined) lua.lua_pushnil(L);
  else if (typeof value === 'string') lua.lua_pushstring(L, to_luastring(value));
  else if (typeof value === 'number') lua.lua_pushnumber(L, value);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else {
    lua.lua_newtable(L);
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i + 1, v]) : Object.entries(value as object);
    for (const [k, v] of entries) {
      if (typeof k === 'number') lua.lua_pushinteger(L, k); else lua.lua_pushstring(L, to_luastring(k));
      push(L, v);
      lua.lua_settable(L, -3);
    }
  }
}

/** Runs a health script the way Argo CD does (`obj` global, returns a table) and reads status and message. */
export function luaHealth(script: string, obj: unknown): { status: string; message: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_dostring(L, to_luastring(script)) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1));
  const field = (name: string) => { lua.lua_getfield(L, -1, to_luastring(name)); const v = lua.lua_tojsstring(L, -1); lua.lua_pop(L, 1); return v; };
  return { status: field('status'), message: field('message') };
}
