/**
 * The web page's files, served as they are (no build step): every regular file under the folder gets a route of
 * its own when the server starts (`index.html` also at the folder's root), so that no path a client sends is
 * ever joined to a file name, and nothing outside the folder can be reached.
 */
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Folders deeper than this are left out: a web page's files lie near its root. */
const MAX_DEPTH = 8;

/** URL path -> file, for every regular file under `root` whose path is made of plain names (no dotfiles, no links). */
export function webFiles(root: string | URL): Map<string, string> {
  const dir = typeof root === 'string' ? root : fileURLToPath(root);
  const files = new Map<string, string>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return files;
  const walk = (folder: string, prefix: string, depth: number): void => {
    for (const name of readdirSync(folder).sort()) {
      if (!/^[\w][\w.-]*$/.test(name)) continue;
      const path = join(folder, name);
      const stats = lstatSync(path);
      if (stats.isDirectory() && depth < MAX_DEPTH) walk(path, `${prefix}${name}/`, depth + 1);
      else if (stats.isFile()) files.set(`${prefix}${name}`, path);
    }
  };
  walk(dir, '/', 0);
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

/** Adds a GET route for each of the web folder's files (none when the folder does not exist). */
export function staticRoutes(app: FastifyInstance, root: string | URL | false): void {
  if (root === false) return;
  for (const [url, file] of webFiles(root)) {
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    app.get(url, async (_request, reply) =>
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        .send(await readFile(file)),
    );
  }
}
