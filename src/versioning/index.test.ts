import { describe, expect, it } from "vitest";
import { schemeFor, schemeNameFor } from "./index.js";

describe("schemeFor", () => {
  it.each([
    ["deb", "deb"],
    ["Debian:12", "deb"],
    ["Ubuntu:22.04:LTS", "deb"],
    ["Ubuntu:Pro:18.04:LTS", "deb"],
    ["apk", "apk"],
    ["Alpine:v3.18", "apk"],
    ["Wolfi", "apk"],
    ["Chainguard", "apk"],
    ["rpm", "rpm"],
    ["Red Hat:rhel_aus:8.4::appstream", "rpm"],
    ["Rocky Linux:8", "rpm"],
    ["AlmaLinux:9", "rpm"],
    ["amzn", "rpm"],
    ["centos", "rpm"],
    ["fedora", "rpm"],
    ["sles", "rpm"],
    ["openSUSE:Leap 15.5", "rpm"],
    ["mariner", "rpm"],
    ["azurelinux", "rpm"],
    ["oracle", "rpm"],
    ["npm", "semver"],
    ["PyPI", "pep440"],
    ["pypi", "pep440"],
    ["Maven", "maven"],
    ["Maven:https://maven.google.com", "maven"],
    ["gem", "gem"],
    ["RubyGems", "gem"],
    ["Go", "golang"],
    ["golang", "golang"],
    ["NuGet", "nuget"],
    ["composer", "composer"],
    ["Packagist", "composer"],
    ["cargo", "cargo"],
    ["crates.io", "cargo"],
    ["Root:Alpine:3.18", "apk"],
    ["Root:PyPI", "pep440"],
    ["Pub", "pub"],
    ["CRAN", "generic"],
    ["Hex", "generic"],
    ["something-else", "generic"],
  ])("%s → %s", (key, name) => {
    expect(schemeNameFor(key)).toBe(name);
    expect(schemeFor(key).name).toBe(name);
  });
});
