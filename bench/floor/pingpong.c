/*
 * The kernel's floor under a request and its answer on this machine: two processes bounce
 * length-prefixed frames of fixed sizes over loopback TCP, one in flight, blocking in
 * epoll_wait between them as an event loop does. No framework, no work: compare with
 * `fsbench floor` (NIO) and a Skewless read of the same sizes (bench/floor.sh).
 *
 *   cc -O2 -o pingpong pingpong.c && ./pingpong [request_bytes] [response_bytes] [port]
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads one frame (4-byte big-endian length, then the body) into buffer, waiting in epoll. */
static int read_frame(int fd, int epoll, char *buffer, size_t capacity) {
    size_t have = 0, want = 4;
    while (have < want) {
        struct epoll_event event;
        if (epoll_wait(epoll, &event, 1, -1) < 0) return -1;
        ssize_t n = read(fd, buffer + have, capacity - have);
        if (n <= 0) return -1;
        have += (size_t)n;
        if (want == 4 && have >= 4) {
            uint32_t length;
            memcpy(&length, buffer, 4);
            want = 4 + ntohl(length);
            if (want > capacity) return -1;
        }
    }
    return 0;
}

static int write_frame(int fd, char *buffer, size_t body) {
    uint32_t length = htonl((uint32_t)body);
    memcpy(buffer, &length, 4);
    return write(fd, buffer, 4 + body) == (ssize_t)(4 + body) ? 0 : -1;
}

static int watch(int fd) {
    int epoll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN};
    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    return epoll;
}

int main(int argc, char **argv) {
    size_t request = argc > 1 ? (size_t)atoi(argv[1]) : 40;
    size_t response = argc > 2 ? (size_t)atoi(argv[2]) : 1959;
    int port = argc > 3 ? atoi(argv[3]) : 7601;
    enum { warmup = 20000, measured = 100000, capacity = 1 << 20 };
    int one = 1;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 1) < 0) {
        perror("bind");
        return 1;
    }
    pid_t responder = fork();
    if (responder == 0) {
        int fd = accept(listener, NULL, NULL);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int epoll = watch(fd);
        char *buffer = malloc(capacity);
        while (read_frame(fd, epoll, buffer, capacity) == 0 && write_frame(fd, buffer, response) == 0) {}
        return 0;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        perror("connect");
        return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int epoll = watch(fd);
    char *buffer = calloc(1, capacity);
    double *latencies = malloc(sizeof(double) * measured);
    for (int i = 0; i < warmup + measured; i++) {
        double start = now_us();
        if (write_frame(fd, buffer, request) != 0 || read_frame(fd, epoll, buffer, capacity) != 0) {
            fprintf(stderr, "the responder went away\n");
            return 1;
        }
        if (i >= warmup) latencies[i - warmup] = now_us() - start;
    }
    close(fd);
    waitpid(responder, NULL, 0);
    qsort(latencies, measured, sizeof(double), compare);
    printf("C ping-pong: %d requests of %zu bytes, answers of %zu: p50 %.1f us, p99 %.1f us\n", measured, request, response,
           latencies[measured / 2], latencies[measured * 99 / 100]);
    return 0;
}
