/**
 * SPMD cells stay on the local pool (a choice, README, Clusters allows it): `comm` needs every rank
 * running at once with a broker that sees all of them to report deadlocks, and a cluster's slots
 * are shared by kernels and taken in queue order. The planner says so before anything runs.
 */
export const SPMD_ON_CLUSTER =
  "SPMD cells (rank, size, comm) run on the local pool only: comm's messages and its deadlock detection are local. " +
  "On a cluster use --map (or parallel.map); for SPMD, drop --cluster, or return to the local pool with %cluster off.";
