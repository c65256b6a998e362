import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

/**
 * A stand-in for the Hugging Face Hub's HTTP API on 127.0.0.1, for tests: only the routes the official
 * @huggingface/hub client calls to resolve a model (model info at a revision, paths-info, resolve with ETag,
 * Range and a redirect of LFS files to a CDN route), serving repos made from local folders. Tests can gate a
 * repo behind a token, cut a download short, corrupt one, and read the request log.
 */
export interface StandInRepo {
  /** OWNER/NAME */
  readonly id: string;
  /** Repo path → content. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The token required (as `Authorization: Bearer …`); unset for a public repo. */
  readonly token?: string;
}

export interface StandInFaults {
  /** path → bytes: the first download of that path sends this many bytes, then drops the connection. */
  readonly cutAfterBytes: Map<string, number>;
  /** Paths whose downloads are served with one byte flipped. */
  readonly corrupt: Set<string>;
  /** path → bytes: downloads of that path send this many bytes, then nothing more, keeping the connection open. */
  readonly stallAfterBytes: Map<string, number>;
  /** Path → milliseconds to wait between 16 KiB chunks: a slow link, so that two downloads overlap. */
  readonly throttleMs: Map<string, number>;
  /** Every request is accepted and never answered (a server that hangs). */
  silent: boolean;
}

export interface StandInHub {
  readonly url: string;
  /** 'METHOD path [range]' of every request, in order. */
  readonly requests: string[];
  readonly faults: StandInFaults;
  /** The commit 'main' resolves to for a repo. */
  commitOf(repo: string): string;
  close(): Promise<void>;
}

const LFS_SUFFIXES = ['.safetensors', '.bin', '.png', '.onnx', '.npy'];

/** Every file under `dir` (recursively), as repo paths under `prefix`. */
export function filesOf(dir: string, prefix = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(prefix + relative(dir, full).split('\\').join('/'), readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

export async function startStandInHub(repos: readonly StandInRepo[]): Promise<StandInHub> {
  const requests: string[] = [];
  const faults: StandInFaults = { cutAfterBytes: new Map(), corrupt: new Set(), stallAfterBytes: new Map(), throttleMs: new Map(), silent: false };
  const commitOf = (repo: string) => createHash('sha1').update(`commit of ${repo}`).digest('hex');
  const byId = new Map(repos.map((r) => [r.id, r]));
  const isLfs = (path: string) => LFS_SUFFIXES.some((s) => path.endsWith(s));
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  const gitOid = (data: Buffer) => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${decodeURIComponent(url.pathname)}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    if (faults.silent) return;
    void handle(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'cdn') return serveBytes(req, res, parts.slice(2).join('/'), byId.get(decodeURIComponent(parts[1] ?? '')), {});
    const api = parts[0] === 'api' && parts[1] === 'models';
    const [owner, name] = api ? [parts[2], parts[3]] : [parts[0], parts[1]];
    const repo = byId.get(`${owner}/${name}`);
    if (!repo) return json(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return json(res, 401, { error: `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it.` }, { 'X-Error-Code': 'GatedRepo' });
    }
    const commit = commitOf(repo.id);
    const knownRevision = (rev: string | undefined) => rev === 'main' || rev === 'HEAD' || rev === commit;
    if (api && parts[4] === 'revision') {
      if (!knownRevision(parts[5])) return json(res, 404, { error: `Invalid rev id: ${parts[5]}` }, { 'X-Error-Code': 'RevisionNotFound' });
      return json(res, 200, {
        _id: createHash('md5').update(repo.id).digest('hex').slice(0, 24),
        id: repo.id,
        sha: commit,
        siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
        private: false,
        gated: repo.token ? 'manual' : false,
        downloads: 0,
        likes: 0,
        lastModified: '2022-07-19T00:00:00.000Z',
        pipeline_tag: 'unconditional-image-generation',
      });
    }
    if (api && parts[4] === 'paths-info') {
      if (!knownRevision(parts[5])) return json(res, 404, { error: 'Invalid rev id' }, { 'X-Error-Code': 'RevisionNotFound' });
      const body = JSON.parse(await readBody(req)) as { paths: string[] };
      return json(
        res,
        200,
        body.paths
          .filter((p) => repo.files.has(p))
          .map((path) => {
            const data = repo.files.get(path)!;
            const lfs = isLfs(path) ? { lfs: { oid: sha256(data), size: data.length, pointerSize: 134 } } : {};
            return { type: 'file', path, oid: gitOid(isLfs(path) ? Buffer.from(`lfs pointer of ${path}`) : data), size: data.length, ...lfs, lastCommit: { id: commit, title: 'Upload', date: '2022-07-19T00:00:00.000Z' } };
          }),
      );
    }
    if (!api && parts[2] === 'resolve') {
      if (!knownRevision(parts[3])) return json(res, 404, { error: 'Invalid rev id' }, { 'X-Error-Code': 'RevisionNotFound' });
      const path = parts.slice(4).join('/');
      const data = repo.files.get(path);
      if (!data) return json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      const headers = { 'X-Repo-Commit': commit };
      if (isLfs(path)) {
        res.writeHead(302, { ...headers, Location: `/cdn/${encodeURIComponent(repo.id)}/${path}`, 'X-Linked-Etag': `"${sha256(data)}"`, 'X-Linked-Size': String(data.length) });
        return void res.end();
      }
      return serveBytes(req, res, path, repo, { ...headers, ETag: `"${gitOid(data)}"` });
    }
    json(res, 404, { error: `no route ${url.pathname}` });
  }

  function serveBytes(req: IncomingMessage, res: ServerResponse, path: string, repo: StandInRepo | undefined, headers: Record<string, string>): void {
    const original = repo?.files.get(path);
    if (!original) return json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
    let data = original;
    if (faults.corrupt.has(path)) {
      data = Buffer.from(original);
      data[data.length >> 1] = data[data.length >> 1]! ^ 0xff;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
    const etag = headers['ETag'] ?? `"${createHash('sha256').update(original).digest('hex')}"`;
    const common = { ...headers, ETag: etag, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    const body = data.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, { ...common, 'Content-Length': String(body.length), ...(range ? { 'Content-Range': `bytes ${start}-${end}/${data.length}` } : {}) });
    const stall = faults.stallAfterBytes.get(path);
    if (stall !== undefined && body.length > 1) {
      res.write(body.subarray(0, stall));
      return; // nothing more, until the client gives up (close() ends the connection)
    }
    const cut = faults.cutAfterBytes.get(path);
    if (cut !== undefined && body.length > 1) {
      faults.cutAfterBytes.delete(path);
      res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const throttle = faults.throttleMs.get(path);
    if (throttle !== undefined) return void trickle(res, body, throttle);
    res.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    commitOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `body` in 16 KiB chunks `delayMs` apart; stops if the client goes away. */
function trickle(res: ServerResponse, body: Buffer, delayMs: number): void {
  let offset = 0;
  const next = () => {
    if (res.destroyed) return;
    const end = Math.min(offset + 16_384, body.length);
    const last = end === body.length;
    res.write(body.subarray(offset, end));
    offset = end;
    if (last) res.end();
    else setTimeout(next, delayMs);
  };
  next();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
