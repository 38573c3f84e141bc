// The V8 flags every Pampero process is started with (package.json `start`, the `pampero` bin's
// shebang, the Dockerfile, the systemd units, `pampero cluster up`, the load-test tool).
//
// --max-semi-space-size=4: the young generation may grow to 2 × 4 MiB instead of V8's 2 × 16 MiB.
// V8 grows it during a burst (a login storm, a load test) and never gives it back, so a gateway
// kept ≈ 24 MiB more than it needs for as long as it lived: 2.4 KiB per session at 10,000
// sessions (docs/benchmarks.md, idle sessions). Chat throughput is not measurably lower.
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
