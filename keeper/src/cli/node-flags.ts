// Node/V8 flags the keeper runs with. The bin launcher's shebang passes them (`env -S`), the
// bench passes them to its keeper processes; a test keeps the two in step.
//
// --max-semi-space-size=4: V8 grows the young generation up to 64 MB on Node 24 after the
// allocation burst of start-up (module loading, BLS precomputation) and keeps it; capping each
// semi-space at 4 MB takes ~60 MB off a keeper's RSS (196 -> ~140 MB measured with
// scripts/bench/keeper-mesh.ts) for a few more, still sub-millisecond, scavenges.
export const KEEPER_NODE_FLAGS = ["--max-semi-space-size=4"] as const;
