import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { listFiles } from '../lib/files';
import { toYaml } from '../lib/render/to-yaml';
import { emitYaml, YAML_OPTIONS } from '../lib/render/yaml-emitter';
import { synthesizedExample } from './helpers';

const yamlLib = (value: unknown) => stringify(value, YAML_OPTIONS);

describe('the YAML emitter writes exactly what the yaml library writes', () => {
  test('every file of the bundled example output, byte for byte', () => {
    const dist = path.join(synthesizedExample(), 'dist');
    const files = listFiles(dist);
    expect(files.length).toBeGreaterThan(200);
    for (const file of files) {
      const text = fs.readFileSync(path.join(dist, file), 'utf8');
      const object = parse(text);
      expect({ file, text: toYaml(object) }).toEqual({ file, text });
      expect({ file, text: yamlLib(object) }).toEqual({ file, text });
    }
  });

  test.each<[string, unknown]>([
    ['multi-line strings, with and without a final newline, kept newlines, leading spaces', { a: 'x\ny', b: 'x\ny\n', c: 'x\n\n', d: '  x\n  y', e: 'x\n\ny', f: ['p\nq', { g: 'r\ns\n' }], h: { i: { j: 'deep\nblock\n\n\n' } } }],
    ['carriage returns, tabs and control characters', { a: 'x\r\ny', b: '\tx', c: 'x\ty', d: '\u0001', e: 'x\u00a0y', f: '\ufeffx' }],
    ['strings that read as other types', ['true', 'True', 'TRUE', 'false', 'null', 'Null', '~', 'yes', 'no', 'on', 'off', 'y', 'n', '0', '012', '0777', '1.0', '.5', '+1', '-1', '1e3', '1_000', '0x1F', '0o17', '.inf', '-.inf', '.nan', '1:30', '2001-12-14', '2001-12-14T21:59:43.10-05:00']],
    ['indicator characters', ['-', '- a', '--', '---', '...', '?', '? x', ':', 'a: b', 'x:', 'x: ', '#x', 'x #y', 'x#y', '@x', '`x', '%x', '!x', '*x', '&x', '{x', 'x}', '[x', 'x]', 'x,y', "'x", '"x', 'x"', '|', '>', 'a\\b', ' lead', 'trail ', '', ' ']],
    ['URLs, quantities and Kubernetes-looking values', ['https://x.y/z?a=b&c=d', 'http://[::1]:80', '512Mi', '100m', '1.28', 'v1', 'apps/v1', 'rate(x[5m]) > 0.99', 'sum by (a) (b)', 'a=b,c=d', '*.example.com', '10.0.0.0/8']],
    ['numbers', [0, -0, 1, -1, 1.5, 0.1, 1e21, 1e-7, 1.5e-7, 2 ** 53, -(2 ** 53) - 2, 123456789012345680000, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN]],
    ['nesting and empty collections', { a: {}, b: [], c: [{}], d: [[]], e: [[1, 2], [3]], f: [{ g: 1, h: { i: 2 } }], j: [[{ k: [] }]], l: { m: [{ n: {} }] } }],
    ['undefined left out of maps, null in sequences', { a: undefined, b: 1, c: { d: undefined }, e: [undefined, null, 1] }],
    ['keys that need quoting', { '': 1, 'x\ny': 2, 'a: b': 3, '#k': 4, true: 5, '1': 6, '-k': 7, 'k ': 8 }],
    ['tabs and leading spaces in multi-line strings', { a: '\tx\ny', b: 'x\n\ty\n', c: ' x\ny', d: ['  x\n\ty\n\n'], e: 'x \ny', f: 'x\n \ny' }],
    ['very long strings are never folded (lineWidth 0)', { a: 'word '.repeat(400) + 'end', b: ['x'.repeat(5000)], c: { d: '#'.repeat(300) + ' ' + 'y: '.repeat(300) }, e: 'line '.repeat(100) + '\n' + 'next '.repeat(100) }],
    ['keys up to 1,024 characters are implicit, longer ones explicit (`? key`)', { ['k'.repeat(1024)]: 1, a: [{ ['k'.repeat(1025)]: 'v' }] }],
    ['a key of 1,025 characters, nested', { a: { b: { ['x'.repeat(1025)]: [1] } } }],
    ['sparse arrays, null-prototype objects, undefined-only maps', { a: [1, , 3], b: Object.assign(Object.create(null), { c: 1 }), d: { e: undefined }, f: [{ g: undefined }] }],
    ['top-level values', 'just a string'],
    ['top-level empty and undefined-only values', { a: undefined }],
    ['a top-level sequence of maps', [{ a: 1 }, { b: [2] }]],
    ['dates and other non-JSON values go to yaml whole', { a: new Date(0), b: 1 }],
  ])('%s', (_name, value) => {
    expect(emitYaml(value)).toBe(yamlLib(value));
  });

  test('a value yaml cannot write (a function, a symbol) fails with yaml\'s own error', () => {
    for (const value of [{ a: () => 1, b: 2 }, [Symbol('s')]]) {
      expect(() => yamlLib(value)).toThrow('Tag not resolved');
      expect(() => emitYaml(value)).toThrow('Tag not resolved');
    }
  });

  test('generated values with adversarial strings and keys (property)', () => {
    const alphabet = fc.constantFrom(
      ...'ab Z09.:-#?{}[],&*!|>\'"%@`\\/\t\n\r é~_=+()ex'.split(''),
      'true', 'True', 'NULL', 'null', 'yes', 'no', '0x', '0o', '1e', '.5', '.inf', '.nan', '- ', ': ', ' #', '---', '...', '\u2028', '\u0085', '\u00a0', '😀',
    );
    // mostly the adversarial alphabet, sometimes any code points at all
    const text = fc.oneof({ weight: 9, arbitrary: fc.array(alphabet, { maxLength: 8 }).map((parts) => parts.join('')) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) });
    const key = fc.oneof(text, fc.constantFrom('app.kubernetes.io/name', 'a', 'spec', 'x-y'));
    const leaf = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('map'), tie('list')),
      map: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
      list: fc.array(fc.oneof(tie('tree'), fc.constant(undefined)), { maxLength: 4 }),
    }));
    fc.assert(fc.property(fc.oneof(fc.dictionary(key, tree, { maxKeys: 5 }), fc.array(tree, { maxLength: 5 })), (value) => {
      expect(emitYaml(value)).toBe(yamlLib(value));
    }), { numRuns: 2000, seed: 14 });
  });
});
