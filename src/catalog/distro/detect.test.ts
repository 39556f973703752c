import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DISTRO_PATHS, detectDistro } from "./detect.js";
import { memoryFileRef } from "./file-ref.js";
import { parseOsRelease } from "./os-release.js";
import { parseTxtar, pkgdbPath, treeFileRefs } from "./testing.js";

const ROOT = pkgdbPath("os-release");

/** Expected "id|versionId|codename" for every sample (single files read as the file their name says). */
const SINGLE: Record<string, string | undefined> = {
  "syft/bad-redhat-release": "centos|5|", // as /etc/redhat-release
  "syft/bad-system-release-cpe": undefined, // as /etc/system-release-cpe: product missing
  "syft/centos-8": "centos|8|",
  "syft/debian-8": "debian|8|jessie",
  "syft/rhel-8": "rhel|8.1|",
  "syft/ubuntu-20.04": "ubuntu|20.04|focal",
  "syft/unprintable": "debian|8|jessie", // CRLF line ends
  "trivy/debian/testdata/empty": undefined,
  "trivy/redhatbase/testdata/alma/almalinux-release": "almalinux|8.4|Electric Cheetah",
  "trivy/redhatbase/testdata/centos/centos-release": "centos|7|",
  "trivy/redhatbase/testdata/fedora_29/fedora-release": "fedora|29|Twenty Nine",
  "trivy/redhatbase/testdata/not_redhatbase/empty": undefined,
  "trivy/redhatbase/testdata/oracle_7/oracle-release": "ol|7.6|",
  "trivy/redhatbase/testdata/redhat_6/redhat-release": "rhel|6.2|Zoot",
  "trivy/redhatbase/testdata/rocky/rocky-release": "rocky|8.4|Green Obsidian",
  "trivy/release/testdata/activestate": "activestate|1.0|",
  "trivy/release/testdata/alma": "almalinux|9.4|",
  "trivy/release/testdata/alpine": "alpine|3.15.4|",
  "trivy/release/testdata/azurelinux-3.0": "azurelinux|3.0|",
  "trivy/release/testdata/bottlerocket": "bottlerocket|1.34.0|",
  "trivy/release/testdata/centos": "centos|7|",
  "trivy/release/testdata/centos-stream": "centos|8|",
  "trivy/release/testdata/coreos": "coreos|3.15.4|",
  "trivy/release/testdata/echo": "echo|1|",
  "trivy/release/testdata/fedora": "fedora|42|",
  "trivy/release/testdata/mariner-1.0": "mariner|1.0|",
  "trivy/release/testdata/mariner-2.0": "mariner|2.0|",
  "trivy/release/testdata/minimos": "minimos|20241031|",
  "trivy/release/testdata/no-id": "linux|3.15.4|", // os-release(5): ID defaults to "linux"
  "trivy/release/testdata/no-version": "alpine||",
  "trivy/release/testdata/opensuseleap-15.2.1": "opensuse-leap|15.2.1|",
  "trivy/release/testdata/opensuseleap-42.3": "opensuse|42.3|",
  "trivy/release/testdata/opensusetumbleweed": "opensuse-tumbleweed|20220412|",
  "trivy/release/testdata/oracle": "ol|8.10|",
  "trivy/release/testdata/photon": "photon|4.0|",
  "trivy/release/testdata/rhel": "rhel|9.4|",
  "trivy/release/testdata/rocky": "rocky|9.3|",
  "trivy/release/testdata/slemicro": "sle-micro|5.3|",
  "trivy/release/testdata/slemicro-rancher": "sle-micro-rancher|5.4|",
  "trivy/release/testdata/slemicro6.0": "sl-micro|6.0|",
  "trivy/release/testdata/sles": "sles|15.3|",
  "trivy/release/testdata/unknown": "unknown|4.3.2|",
  "trivy/ubuntu/testdata/invalid": undefined, // as /etc/lsb-release
  "trivy/ubuntu/testdata/lsb-release": "ubuntu|18.04|bionic",
};

/** Directory trees holding etc/ or usr/lib/ release files. */
const TREES: Record<string, string | undefined> = {
  "claircore/debian/testdata/dist/7": "debian|7|wheezy",
  "claircore/debian/testdata/dist/8": "debian|8|jessie",
  "claircore/debian/testdata/dist/9": "debian|9|stretch",
  "claircore/debian/testdata/dist/10": "debian|10|buster",
  "claircore/debian/testdata/dist/11": "debian|11|bullseye",
  "claircore/debian/testdata/dist/12": "debian|12|bookworm",
  "claircore/debian/testdata/distroless_dist/9": "debian|9|stretch",
  "claircore/debian/testdata/distroless_dist/10": "debian|10|buster",
  "claircore/debian/testdata/distroless_dist/11": "debian|11|bullseye",
  "syft/os/almalinux/from-os-release": "almalinux|8.4|",
  "syft/os/almalinux/from-redhat-release": "almalinux|8.10|Cerulean Leopard",
  "syft/os/alpine": "alpine|3.11.6|",
  "syft/os/amazon": "amzn|2|",
  "syft/os/arch": "arch||",
  "syft/os/centos": "centos|8|",
  "syft/os/centos5": "centos|5|",
  "syft/os/centos6": "centos|6|", // from /etc/system-release-cpe
  "syft/os/custom": "scientific|8|",
  "syft/os/debian/from-debian_version": "debian|10|", // distroless os-release without VERSION_ID + debian_version 10.8
  "syft/os/debian/from-os-release": "debian|8|jessie",
  "syft/os/debian/with-point-release": "debian|13|trixie",
  "syft/os/empty": undefined,
  "syft/os/fedora": "fedora|36|",
  "syft/os/mariner": "mariner|1.0|",
  "syft/os/opensuse-leap": "opensuse-leap|15.2|",
  "syft/os/oraclelinux": "ol|8.3|",
  "syft/os/photon": "photon|2.0|",
  "syft/os/redhat/from-os-release": "rhel|7.3|",
  "syft/os/redhat/from-redhat-release": "rhel|8.10|Ootpa",
  "syft/os/rockylinux/from-os-release": "rocky|8.4|",
  "syft/os/rockylinux/from-redhat-release": "rocky|8.10|Green Obsidian",
  "syft/os/scientific/from-os-release": "scientific|7.5|",
  "syft/os/scientific/from-redhat-release": "scientific|7.9|Nitrogen",
  "syft/os/sles": "sles|15.2|",
  "syft/os/ubuntu": "ubuntu|20.04|focal",
  "syft/os/wolfi": "wolfi|20220914|",
  "syft/os/busybox": undefined,
  "syft/partial-fields/missing-id": "linux|8|",
  "syft/partial-fields/missing-version": "linux||",
  "syft/partial-fields/unknown-id": "my-awesome-distro|8|",
  "trivy/debian/testdata/debian_9": "debian|9|",
  "trivy/debian/testdata/debian_sid": "debian||buster", // "buster/sid": testing, no version
};

const TXTAR: Record<string, string> = {
  "Alpine.txtar": "alpine|3.10.2|",
  "Bionic.txtar": "ubuntu|18.04|bionic",
  "Buster.txtar": "debian|10|buster",
  "DistrolessCorrupt.txtar": "debian|12|bookworm",
  "DistrolessValid.txtar": "debian|12|bookworm",
  "EmptyKey.txtar": "fedora|30|",
  "OpenSUSe.txtar": "opensuse-leap|15.1|",
  "Silverblue.txtar": "fedora|30|",
  "Toolbox.txtar": "fedora|30|",
  "Ubi8.txtar": "rhel|8.0|",
  "Vyos.txtar": "vyos|1.4-rolling-202307070317|bookworm",
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const f = join(dir, n);
    return statSync(f).isDirectory() ? walk(f) : [f];
  });
}

function asPath(rel: string): string {
  const base = rel.split("/").pop()!;
  if (base === "bad-redhat-release") return "/etc/redhat-release";
  if (base === "bad-system-release-cpe") return "/etc/system-release-cpe";
  if (base === "invalid") return "/etc/lsb-release";
  if (/^(lsb-release|[a-z]+-release|debian_version)$/.test(base)) return `/etc/${base}`;
  return "/etc/os-release";
}

function short(d: { id: string; versionId: string; codename?: string } | undefined): string | undefined {
  return d ? `${d.id}|${d.versionId}|${d.codename ?? ""}` : undefined;
}

describe("detectDistro on every os-release sample in the corpus", () => {
  it("covers every sample file", () => {
    const all = walk(ROOT).map((f) => f.slice(ROOT.length + 1));
    const covered = (rel: string): boolean =>
      rel in SINGLE ||
      rel.endsWith(".json") ||
      Object.keys(TREES).some((t) => rel.startsWith(`${t}/`)) ||
      rel.split("/").pop()! in TXTAR;
    expect(all.filter((r) => !covered(r))).toEqual([]);
    expect(
      Object.keys(SINGLE).length + Object.keys(TREES).length + Object.keys(TXTAR).length,
    ).toBeGreaterThan(90);
  });

  for (const [rel, want] of Object.entries(SINGLE)) {
    it(`single file ${rel}`, async () => {
      const f = memoryFileRef(asPath(rel), readFileSync(join(ROOT, rel)));
      expect(short(await detectDistro([f]))).toBe(want);
    });
  }
  for (const [rel, want] of Object.entries(TREES)) {
    it(`tree ${rel}`, async () => {
      expect(short(await detectDistro(treeFileRefs(join(ROOT, rel))))).toBe(want);
    });
  }
  for (const [name, want] of Object.entries(TXTAR)) {
    it(`txtar ${name}: parse equals claircore's Parsed section and distro is ${want}`, async () => {
      const ar = parseTxtar(readFileSync(join(ROOT, "claircore/osrelease/testdata", name), "utf8"));
      const text = ar.get("os-release")!;
      expect(parseOsRelease(text)).toEqual(JSON.parse(ar.get("Parsed")!));
      const d = await detectDistro([memoryFileRef("/etc/os-release", text)]);
      expect(short(d)).toBe(want);
      expect(d?.prettyName).toBe(JSON.parse(ar.get("Parsed")!).PRETTY_NAME);
    });
  }
});

describe("detectDistro precedence and special cases", () => {
  it("prefers /etc/os-release over /usr/lib/os-release and over release files", async () => {
    const d = await detectDistro([
      memoryFileRef("/usr/lib/os-release", "ID=fedora\nVERSION_ID=30\n"),
      memoryFileRef("/etc/os-release", "ID=debian\nVERSION_ID=12\nVERSION_CODENAME=bookworm\n"),
      memoryFileRef("/etc/redhat-release", "Fedora release 30 (Thirty)\n"),
      memoryFileRef("/etc/debian_version", "12.4\n"),
    ]);
    expect(d).toMatchObject({
      id: "debian",
      versionId: "12",
      codename: "bookworm",
      source: "/etc/os-release",
    });
  });

  it("Debian sid/testing has no VERSION_ID: rolling, codename kept", async () => {
    const d = await detectDistro([
      memoryFileRef(
        "/etc/os-release",
        'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\n',
      ),
      memoryFileRef("/etc/debian_version", "trixie/sid\n"),
    ]);
    expect(short(d)).toBe("debian||trixie");
  });

  it("Alpine edge", async () => {
    const d = await detectDistro([
      memoryFileRef(
        "/etc/os-release",
        'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19_alpha20230901\nPRETTY_NAME="Alpine Linux edge"\n',
      ),
    ]);
    expect(short(d)).toBe("alpine|3.19_alpha20230901|edge");
    expect(short(await detectDistro([memoryFileRef("/etc/alpine-release", "3.20_alpha20240329\n")]))).toBe(
      "alpine|3.20_alpha20240329|edge",
    );
    expect(short(await detectDistro([memoryFileRef("/etc/alpine-release", "3.18.4\n")]))).toBe(
      "alpine|3.18.4|",
    );
  });

  it("Chainguard and Wolfi keep their own id", async () => {
    const d = await detectDistro([
      memoryFileRef(
        "/etc/os-release",
        'ID=chainguard\nNAME="Chainguard"\nPRETTY_NAME="Chainguard"\nVERSION_ID="20230214"\n',
      ),
    ]);
    expect(short(d)).toBe("chainguard|20230214|");
  });

  it("distroless keeps id debian and says Distroless", async () => {
    const d = await detectDistro(treeFileRefs(join(ROOT, "claircore/debian/testdata/distroless_dist/11")));
    expect(d).toMatchObject({ id: "debian", versionId: "11", prettyName: "Distroless" });
  });

  it("os-release quoting and escapes", () => {
    expect(
      parseOsRelease(
        [
          `A="say \\"hi\\" \\$HOME \\\\ \\x"`,
          "B='single $quoted \\n'",
          "C=unquoted\\ value # comment",
          "  # comment",
          'D="unterminated',
          "bad line",
          "1X=nope",
          "E=",
        ].join("\n"),
      ),
    ).toEqual({ A: 'say "hi" $HOME \\ \\x', B: "single $quoted \\n", C: "unquoted value", E: "" });
  });

  it("garbage and binary content never throw", async () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    for (const p of DISTRO_PATHS) {
      await expect(detectDistro([memoryFileRef(p, junk)])).resolves.toSatisfy(
        (d) => d === undefined || typeof d.id === "string",
      );
    }
  });
});
