// Module hooks for register.mjs: `./x.js` imported from a .ts file resolves to `./x.ts` when that
// exists (the NodeNext convention the sources follow), and .ts files are transformed with the
// repository's swc settings (legacy decorators with metadata, which Nest's injection needs).
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const swcrc = JSON.parse(readFileSync(new URL('../../.swcrc', import.meta.url), 'utf8'));
delete swcrc.$schema;

export async function resolve(specifier, context, next) {
  if (context.parentURL?.endsWith('.ts') && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(candidate)) return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const filename = fileURLToPath(url);
    const { code } = await swc.transform(await readFile(filename, 'utf8'), { ...swcrc, filename, swcrc: false });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
