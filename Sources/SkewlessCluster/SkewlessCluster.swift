// Partitioning and the cluster map. See docs/cluster.md.
