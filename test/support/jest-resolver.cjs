// Jest's resolver, with one exception for Node 22. Jest's own module system can require() an ES
// module only on Node 24.9+, and @fastify/middie (loaded by @nestjs/platform-fastify, which the
// dashboard specs use) requires path-to-regexp 9, an ES module with no dependencies. For a require
// from middie, this hands Jest a CommonJS copy of that file, compiled once with swc into
// node_modules/.cache. Everything else resolves as usual; Node 24 and applications need none of it.
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join, sep } = require('node:path');
const { transformSync } = require('@swc/core');

const MIDDIE = `${sep}@fastify${sep}middie${sep}`;
const CACHE = join(__dirname, '..', '..', 'node_modules', '.cache', 'nest-pg-jobs-jest');

module.exports = (request, options) => {
  const resolved = options.defaultResolver(request, options);
  if (request !== 'path-to-regexp' || !options.basedir.includes(MIDDIE)) return resolved;
  const { version } = JSON.parse(readFileSync(join(dirname(resolved), '..', 'package.json'), 'utf8'));
  const copy = join(CACHE, `path-to-regexp-${version}.cjs`);
  if (!existsSync(copy)) {
    const { code } = transformSync(readFileSync(resolved, 'utf8'), {
      filename: resolved,
      module: { type: 'commonjs' },
      jsc: { target: 'es2022' },
    });
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(copy, code);
  }
  return copy;
};
