#ifndef CSKEWLESS_SPAWN_H
#define CSKEWLESS_SPAWN_H

// The few calls ChildProcess (SkewlessModel) needs that Swift's Glibc module does not show:
// glibc declares them only under _GNU_SOURCE, which the module is built without, and a
// macro defined in a header here cannot change a module that is already built. They are
// compiled in CSkewlessSpawn.c, which defines _GNU_SOURCE itself, and are plain C calls
// (a declaration through @_silgen_name would call C functions with Swift's convention).

#include <signal.h>
#include <spawn.h>
#include <sys/types.h>

/// `posix_spawn_file_actions_addclosefrom_np(actions, from)`: the child closes every
/// descriptor from `from` up (glibc 2.34 and later, through close_range). ENOSYS where the C
/// library has no such action (older glibc, musl, Darwin: there POSIX_SPAWN_CLOEXEC_DEFAULT
/// does the same).
int cskewless_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/// `posix_spawn_file_actions_addchdir_np(actions, path)`: the child changes to `path` before
/// it runs the program.
int cskewless_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// `pipe2(descriptors, O_CLOEXEC)`: both ends close on exec from the start, so no child
/// started meanwhile by another thread inherits them. Where there is no pipe2 (Darwin), pipe
/// then FD_CLOEXEC on each end. 0, or -1 with errno set.
int cskewless_pipe_cloexec(int descriptors[2]);

/// The fields of a waitid result (macros in C, not visible from Swift on every platform).
pid_t cskewless_siginfo_pid(const siginfo_t *info);
int cskewless_siginfo_status(const siginfo_t *info);

#endif
