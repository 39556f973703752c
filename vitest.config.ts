import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "bench/**/*.test.ts"],
    // bench/.work holds the benchmarks' images and root filesystems: hundreds of thousands of files,
    // absolute symbolic links, and, while build-real-sbom.sh runs, a mounted /proc whose links lead back
    // to / (the test-file search follows links, and ran out of memory in there).
    exclude: [...configDefaults.exclude, "bench/.work/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
