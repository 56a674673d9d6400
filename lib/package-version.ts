import * as fs from 'fs';
import * as path from 'path';

/** The version in this package's package.json, found from the sources (`lib`) and the compiled code (`build/lib`) alike. */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === 'stoa-manifests') return String(pkg.version);
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}


/** The version of the installed package `name` (a dependency this library renders with), or undefined when it is not installed. */
export function installedVersion(name: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return String(require(`${name}/package.json`).version);
  } catch {
    return undefined;
  }
}
