#define _GNU_SOURCE 1

#include "CSkewlessSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int cskewless_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
#else
    (void)actions;
    (void)from;
    return ENOSYS;
#endif
}

int cskewless_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int cskewless_pipe_cloexec(int descriptors[2]) {
#if defined(__APPLE__)
    if (pipe(descriptors) != 0) return -1;
    for (int end = 0; end < 2; end++) {
        if (fcntl(descriptors[end], F_SETFD, FD_CLOEXEC) != 0) {
            int saved = errno;
            close(descriptors[0]);
            close(descriptors[1]);
            errno = saved;
            return -1;
        }
    }
    return 0;
#else
    return pipe2(descriptors, O_CLOEXEC);
#endif
}

pid_t cskewless_siginfo_pid(const siginfo_t *info) {
    return info->si_pid;
}

int cskewless_siginfo_status(const siginfo_t *info) {
    return info->si_status;
}
