/** Test helpers: FileRefs over host files or buffers (used by the catalogers' tests). */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { silentLogger } from "../../core/logger.js";
import type { CatalogInput, FileRef } from "../types.js";

export async function hostFileRef(hostPath: string, imagePath: string, layerIndex = 0): Promise<FileRef> {
  const { size } = await stat(hostPath);
  return {
    path: imagePath,
    size,
    layerIndex,
    read: () => readFile(hostPath),
    async readRange(start, end) {
      const fh = await open(hostPath, "r");
      try {
        const buf = Buffer.alloc(Math.max(0, Math.min(end, size) - start));
        const { bytesRead } = await fh.read(buf, 0, buf.length, start);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

export function bufferFileRef(buf: Buffer, imagePath: string, layerIndex = 0): FileRef {
  return {
    path: imagePath,
    size: buf.length,
    layerIndex,
    read: async () => buf,
    readRange: async (start, end) => buf.subarray(start, end),
  };
}

export function catalogInput(files: FileRef[]): CatalogInput {
  const paths = new Set(files.map((f) => f.path));
  return { files, exists: (p) => paths.has(p), logger: silentLogger() };
}

/**
 * A Debian package's files, extracted: `apt-get download` once into `${os.tmpdir()}/vigil-test-debs`
 * (cached across runs), then `dpkg-deb -x`. Throws when apt or the mirror is unavailable.
 */
export function debianPackageRoot(pkg: string): string {
  const cache = join(tmpdir(), "vigil-test-debs");
  mkdirSync(cache, { recursive: true });
  const find = () => readdirSync(cache).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  let deb = find();
  if (!deb) {
    execFileSync("apt-get", ["download", pkg], { cwd: cache, stdio: "pipe" });
    deb = find();
    if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb`);
  }
  const root = join(cache, `${deb}.root`);
  if (!existsSync(root)) {
    const tmp = `${root}.${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    execFileSync("dpkg-deb", ["-x", join(cache, deb), tmp]);
    try {
      renameSync(tmp, root);
    } catch {
      // another worker extracted it first
    }
  }
  return root;
}

/**
 * A real Go program built offline with the installed Go: a hello-world main package of module `module`,
 * written into `dir` (once), built to `dir/out` with `flags`; returns its bytes. No network (GOPROXY=off),
 * the local toolchain, cgo off unless the flags link externally; the build cache is shared across runs.
 */
export async function buildGoProgram(
  dir: string,
  module: string,
  out: string,
  flags: string[] = [],
): Promise<Buffer> {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "go.mod"))) {
    writeFileSync(join(dir, "go.mod"), `module ${module}\n\ngo 1.19\n`);
    writeFileSync(
      join(dir, "main.go"),
      'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
    );
  }
  await promisify(execFile)("go", ["build", ...flags, "-o", join(dir, out), "."], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GOPATH: join(dir, ".gopath"),
      GOCACHE: join(tmpdir(), "vigil-test-gocache"),
      GOFLAGS: "-mod=mod",
      GOPROXY: "off",
      GOTOOLCHAIN: "local",
      CGO_ENABLED: "0",
    },
  });
  return readFileSync(join(dir, out));
}
