// OCI images made here from the built binaries, since no registry can be reached: a root
// filesystem (the binaries, the shared libraries `ldd` says they load, and for agnhost the shell
// tools the upstream image carries from Alpine: busybox for sh/nc/nslookup, curl), one layer, a
// config and a docker-archive manifest naming the image as the kubelet and the cluster target ask
// for it. `ctr images import` loads the archive into each node's containerd, so nothing is pulled.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { run, type Run } from './command.ts';

export interface ImageSpec {
  /** The full reference, e.g. registry.k8s.io/pause:3.10. */
  ref: string;
  /** Host file -> path in the image. */
  files: Record<string, string>;
  entrypoint: string[];
  cmd?: string[];
  /** Include busybox's applets in /bin (sh, nc, nslookup, ...). */
  busybox?: boolean;
}

export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The image's config: what containerd runs and the digest of its one layer. Pure. */
export function imageConfig(spec: ImageSpec, layerDigest: string): object {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [PATH_ENV], Entrypoint: spec.entrypoint, ...(spec.cmd ? { Cmd: spec.cmd } : {}), WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created_by: 'netprops local-cluster (binaries built from their Go modules)' }],
  };
}

/** The docker-archive manifest.json naming the image. Pure. */
export function archiveManifest(ref: string, configFile: string, layerFile: string): object[] {
  return [{ Config: configFile, RepoTags: [ref], Layers: [layerFile] }];
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The shared libraries a dynamic executable loads (none for a static one). */
export async function sharedLibraries(binary: string, exec: Run = run): Promise<string[]> {
  const r = await exec('ldd', [binary], { allowFailure: true });
  if (r.code !== 0) return []; // "not a dynamic executable"
  const libs = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]);
  }
  return [...libs];
}

/** Builds the archive `out` for spec, in a scratch folder `work` that it removes. */
export async function buildImage(spec: ImageSpec, work: string, out: string, exec: Run = run): Promise<void> {
  await rm(work, { recursive: true, force: true });
  const rootfs = path.join(work, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  for (const dir of ['bin', 'etc', 'tmp', 'uploads']) await mkdir(path.join(rootfs, dir), { recursive: true });
  await chmod(path.join(rootfs, 'tmp'), 0o1777);
  await writeFile(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await writeFile(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const add = async (from: string, to: string) => {
    const dest = path.join(rootfs, to);
    await mkdir(path.dirname(dest), { recursive: true });
    if (!existsSync(dest)) await copyFile(from, dest);
    await chmod(dest, 0o755);
    for (const lib of await sharedLibraries(from, exec)) {
      const libDest = path.join(rootfs, lib);
      await mkdir(path.dirname(libDest), { recursive: true });
      if (!existsSync(libDest)) await copyFile(lib, libDest);
    }
  };
  for (const [from, to] of Object.entries(spec.files)) await add(from, to);
  if (spec.busybox) {
    await add('/bin/busybox', '/bin/busybox');
    const applets = (await exec('/bin/busybox', ['--list'])).stdout.split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
    const present = new Set(await readdir(path.join(rootfs, 'bin')));
    for (const a of applets) if (!present.has(a)) await symlink('busybox', path.join(rootfs, 'bin', a));
  }
  const layer = path.join(work, 'layer.tar');
  await exec('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '-C', rootfs, '-cf', layer, '.']);
  const layerDigest = await sha256File(layer);
  const archive = path.join(work, 'archive');
  await mkdir(path.join(archive, layerDigest), { recursive: true });
  await exec('mv', [layer, path.join(archive, layerDigest, 'layer.tar')]);
  const config = JSON.stringify(imageConfig(spec, layerDigest));
  const configDigest = createHash('sha256').update(config).digest('hex');
  await writeFile(path.join(archive, `${configDigest}.json`), config);
  await writeFile(path.join(archive, 'manifest.json'), JSON.stringify(archiveManifest(spec.ref, `${configDigest}.json`, `${layerDigest}/layer.tar`)));
  await mkdir(path.dirname(out), { recursive: true });
  await exec('tar', ['-C', archive, '-cf', out, '.']);
  await rm(work, { recursive: true, force: true });
}
