/*
 * skewless_conformance: a Skewless protocol client in C, written from docs/protocol.md and
 * the .proto files alone, that checks a running node behaves as documented.
 *
 *   skewless_conformance HOST PORT
 *
 * Prints one line per check ("ok - ..." or "not ok - ...") and finally "N passed, M failed";
 * exits 1 if any check failed, 2 on a usage error. Needs a node serving the sample feature
 * repo (examples/feature_repo). See README.md in this folder for how to build it.
 *
 * Dependencies: protobuf-c generated code for skewless/v1/{frame,features}.proto, POSIX
 * sockets, liblz4. Nothing here uses the Swift code.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <lz4.h>

#include "skewless/v1/features.pb-c.h"
#include "skewless/v1/frame.pb-c.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* not on every system; SIGPIPE is ignored in main as well */
#endif

/* The protocol version this client speaks (docs/protocol.md). */
#define PROTOCOL_VERSION 1u
/* The largest response this client accepts; a node's responses to our requests are far smaller. */
#define CLIENT_MAX_FRAME_BYTES (64u * 1024u * 1024u)
/* How long one socket read or write may block before the check fails (the client's own timer). */
#define SOCKET_TIMEOUT_SECONDS 10
/* The relative deadline sent in every request frame. */
#define REQUEST_TIMEOUT_MICROS 5000000u

#define EMBEDDING_DIMENSION 64

/* ------------------------------------------------------------------------------------------
 * Reporting
 */

static int passed = 0;
static int failed = 0;

/* Records one check; prints "ok - what" or "not ok - what". Returns cond. */
static bool check(bool cond, const char *format, ...) __attribute__((format(printf, 2, 3)));
static bool check(bool cond, const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("%s - ", cond ? "ok" : "not ok");
    vprintf(format, args);
    printf("\n");
    va_end(args);
    fflush(stdout);
    if (cond) passed++;
    else failed++;
    return cond;
}

/* A diagnostic line (TAP-style comment), not a check. */
static void note(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("# ");
    vprintf(format, args);
    printf("\n");
    va_end(args);
    fflush(stdout);
}

static int64_t now_micros(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *status_name(int code) {
    static const char *names[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    };
    if (code >= 0 && code < (int)(sizeof names / sizeof names[0])) return names[code];
    return "(unknown code)";
}

static const char *value_status_name(int status) {
    static const char *names[] = {"UNSPECIFIED", "PRESENT", "NOT_FOUND", "NULL_VALUE", "OUTSIDE_TTL", "DEFAULTED"};
    if (status >= 0 && status < (int)(sizeof names / sizeof names[0])) return names[status];
    return "(unknown status)";
}

/* ------------------------------------------------------------------------------------------
 * Framing: a 4-byte big-endian length, then that many bytes of one protobuf message.
 */

static int connect_to(const char *host, const char *port) {
    struct addrinfo hints, *result = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &result);
    if (rc != 0) {
        note("getaddrinfo(%s, %s): %s", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = result; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        struct timeval tv = {.tv_sec = SOCKET_TIMEOUT_SECONDS, .tv_usec = 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(result);
    return fd;
}

static bool write_all(int fd, const uint8_t *bytes, size_t count) {
    while (count > 0) {
        ssize_t n = send(fd, bytes, count, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes += n;
        count -= (size_t)n;
    }
    return true;
}

/* 1: read `count` bytes; 0: clean end of stream before the first byte; -1: error or timeout. */
static int read_exactly(int fd, uint8_t *bytes, size_t count) {
    size_t got = 0;
    while (got < count) {
        ssize_t n = recv(fd, bytes + got, count - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) return got == 0 ? 0 : -1;
        if (n < 0) return -1;
        got += (size_t)n;
    }
    return 1;
}

/* Sends `body` as one frame: the big-endian length, then the bytes. */
static bool send_frame(int fd, const uint8_t *body, size_t length) {
    uint8_t prefix[4] = {
        (uint8_t)(length >> 24), (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length,
    };
    return write_all(fd, prefix, 4) && write_all(fd, body, length);
}

/* Serializes a message into a fresh buffer (free it). */
static uint8_t *pack_message(const ProtobufCMessage *message, size_t *length) {
    *length = protobuf_c_message_get_packed_size(message);
    uint8_t *buffer = malloc(*length ? *length : 1);
    if (buffer == NULL) abort();
    protobuf_c_message_pack(message, buffer);
    return buffer;
}

/* Sends one RequestFrame whose payload is `payload` serialized (NULL: empty payload). */
static bool send_request(int fd, uint64_t request_id, int method, const ProtobufCMessage *payload) {
    Skewless__V1__RequestFrame frame = SKEWLESS__V1__REQUEST_FRAME__INIT;
    frame.request_id = request_id;
    frame.method = (Skewless__V1__Method)method;
    frame.timeout_micros = REQUEST_TIMEOUT_MICROS;
    uint8_t *payload_bytes = NULL;
    size_t payload_length = 0;
    if (payload != NULL) {
        payload_bytes = pack_message(payload, &payload_length);
        frame.payload.data = payload_bytes;
        frame.payload.len = payload_length;
    }
    size_t length;
    uint8_t *body = pack_message(&frame.base, &length);
    bool sent = send_frame(fd, body, length);
    free(body);
    free(payload_bytes);
    return sent;
}

/* Reads one frame and decodes a ResponseFrame. NULL on end of stream, error or bad frame;
 * *closed tells whether the node closed the connection cleanly. Free the result with
 * skewless__v1__response_frame__free_unpacked. */
static Skewless__V1__ResponseFrame *read_response(int fd, bool *closed) {
    uint8_t prefix[4];
    if (closed) *closed = false;
    int rc = read_exactly(fd, prefix, 4);
    if (rc == 0) {
        if (closed) *closed = true;
        return NULL;
    }
    if (rc < 0) {
        note("reading a frame header failed: %s", errno ? strerror(errno) : "stream ended inside a frame");
        return NULL;
    }
    uint32_t length = ((uint32_t)prefix[0] << 24) | ((uint32_t)prefix[1] << 16) | ((uint32_t)prefix[2] << 8) | prefix[3];
    if (length > CLIENT_MAX_FRAME_BYTES) {
        note("the node announced a frame of %" PRIu32 " bytes, over this client's limit", length);
        return NULL;
    }
    uint8_t *body = malloc(length ? length : 1);
    if (body == NULL) abort();
    if (length > 0 && read_exactly(fd, body, length) != 1) {
        note("reading a frame body of %" PRIu32 " bytes failed", length);
        free(body);
        return NULL;
    }
    Skewless__V1__ResponseFrame *response = skewless__v1__response_frame__unpack(NULL, length, body);
    free(body);
    if (response == NULL) note("a frame body of %" PRIu32 " bytes is not a valid ResponseFrame", length);
    return response;
}

/* An absent Status means code OK (proto3: a default-valued message may be omitted). */
static int response_code(const Skewless__V1__ResponseFrame *response) {
    return response->status ? (int)response->status->code : 0;
}

static const char *response_message(const Skewless__V1__ResponseFrame *response) {
    return response->status && response->status->message ? response->status->message : "";
}

/* Responses read while waiting for another request id (responses may come in any order). */
#define STASH_CAPACITY 64
static Skewless__V1__ResponseFrame *stash[STASH_CAPACITY];
static size_t stash_count = 0;

/* The response to `request_id`: from the stash, or read from the socket (stashing others). */
static Skewless__V1__ResponseFrame *await_response(int fd, uint64_t request_id) {
    for (size_t i = 0; i < stash_count; i++) {
        if (stash[i]->request_id == request_id) {
            Skewless__V1__ResponseFrame *found = stash[i];
            stash[i] = stash[--stash_count];
            return found;
        }
    }
    for (;;) {
        Skewless__V1__ResponseFrame *response = read_response(fd, NULL);
        if (response == NULL) return NULL;
        if (response->request_id == request_id) return response;
        if (response->request_id == 0) {
            note("connection-level error while waiting for request %" PRIu64 ": %s: %s",
                 request_id, status_name(response_code(response)), response_message(response));
        }
        if (stash_count == STASH_CAPACITY) {
            note("too many unexpected responses while waiting for request %" PRIu64, request_id);
            skewless__v1__response_frame__free_unpacked(response, NULL);
            return NULL;
        }
        stash[stash_count++] = response;
    }
}

static void clear_stash(void) {
    while (stash_count > 0) skewless__v1__response_frame__free_unpacked(stash[--stash_count], NULL);
}

static uint64_t next_request_id = 1;

/* Sends a request and waits for its response (NULL when none arrived). */
static Skewless__V1__ResponseFrame *call(int fd, int method, const ProtobufCMessage *payload) {
    uint64_t id = next_request_id++;
    if (!send_request(fd, id, method, payload)) {
        note("sending request %" PRIu64 " failed: %s", id, strerror(errno));
        return NULL;
    }
    return await_response(fd, id);
}

/* Sends a request and checks an OK response, then decodes its payload with `descriptor`.
 * Returns the decoded message (free with protobuf_c_message_free_unpacked) or NULL. */
static ProtobufCMessage *call_ok(int fd, int method, const ProtobufCMessage *payload,
                                 const ProtobufCMessageDescriptor *descriptor, const char *what) {
    Skewless__V1__ResponseFrame *response = call(fd, method, payload);
    if (!check(response != NULL, "%s: a response arrives", what)) return NULL;
    ProtobufCMessage *decoded = NULL;
    if (check(response_code(response) == 0, "%s: status OK (got %s%s%s)", what, status_name(response_code(response)),
              *response_message(response) ? ": " : "", response_message(response))) {
        decoded = protobuf_c_message_unpack(descriptor, NULL, response->payload.len, response->payload.data);
        check(decoded != NULL, "%s: the payload decodes as %s", what, descriptor->name);
    }
    skewless__v1__response_frame__free_unpacked(response, NULL);
    return decoded;
}

/* ------------------------------------------------------------------------------------------
 * Values
 */

/* Writes `count` float32s as little-endian bytes (independent of the host's byte order). */
static void floats_to_le(const float *values, size_t count, uint8_t *out) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], 4);
        out[4 * i] = (uint8_t)bits;
        out[4 * i + 1] = (uint8_t)(bits >> 8);
        out[4 * i + 2] = (uint8_t)(bits >> 16);
        out[4 * i + 3] = (uint8_t)(bits >> 24);
    }
}

static void floats_from_le(const uint8_t *bytes, size_t count, float *out) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)bytes[4 * i] | ((uint32_t)bytes[4 * i + 1] << 8) |
                        ((uint32_t)bytes[4 * i + 2] << 16) | ((uint32_t)bytes[4 * i + 3] << 24);
        memcpy(&out[i], &bits, 4);
    }
}

/* How many entries each array of a ValueColumn holds, indexed by ValueType (1...11). */
static size_t array_count(const Skewless__V1__ValueColumn *c, int type) {
    switch (type) {
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_BOOL: return c->n_bool_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT32: return c->n_int32_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64: return c->n_int64_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_FLOAT: return c->n_float_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_DOUBLE: return c->n_double_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_STRING: return c->n_string_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_BYTES: return c->n_bytes_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_TIMESTAMP: return c->n_timestamp_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_EMBEDDING: return c->n_embedding_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64_LIST: return c->n_int64_list_values;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_STRING_LIST: return c->n_string_list_values;
    default: return 0;
    }
}

/* Exactly the array of `type` holds `rows` entries; every other array is empty. */
static bool column_shape_ok(const Skewless__V1__ValueColumn *c, int type, size_t rows) {
    if (c == NULL) return rows == 0;
    for (int t = 1; t <= 11; t++) {
        size_t expected = t == type ? rows : 0;
        if (array_count(c, t) != expected) return false;
    }
    return true;
}

/* The numeric value at `row` of a bool/int32/int64/float/double/timestamp column, as a double. */
static bool numeric_value(const Skewless__V1__ValueColumn *c, int type, size_t row, double *out) {
    if (c == NULL || row >= array_count(c, type)) return false;
    switch (type) {
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_BOOL: *out = c->bool_values[row] ? 1 : 0; return true;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT32: *out = c->int32_values[row]; return true;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64: *out = (double)c->int64_values[row]; return true;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_FLOAT: *out = c->float_values[row]; return true;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_DOUBLE: *out = c->double_values[row]; return true;
    case SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_TIMESTAMP: *out = (double)c->timestamp_values[row]; return true;
    default: return false;
    }
}

/* Decodes one Embedding (raw little-endian float32 or an LZ4 block) into `out[dimension]`. */
static bool decode_embedding(const Skewless__V1__Embedding *e, uint32_t dimension, float *out) {
    if (e == NULL || e->dimension != dimension) return false;
    size_t raw_length = (size_t)dimension * 4;
    uint8_t *raw = malloc(raw_length ? raw_length : 1);
    if (raw == NULL) abort();
    bool ok;
    if (e->lz4) {
        int written = LZ4_decompress_safe((const char *)e->data.data, (char *)raw, (int)e->data.len, (int)raw_length);
        ok = written >= 0 && (size_t)written == raw_length;
    } else {
        ok = e->data.len == raw_length;
        if (ok && raw_length > 0) memcpy(raw, e->data.data, raw_length);
    }
    if (ok) floats_from_le(raw, dimension, out);
    free(raw);
    return ok;
}

/* ------------------------------------------------------------------------------------------
 * What DESCRIBE said, kept for later checks
 */

static Skewless__V1__DescribeResponse *described = NULL;

static const Skewless__V1__FeatureViewDescription *find_view(const char *name) {
    const Skewless__V1__FeatureViewDescription *latest = NULL;
    if (described == NULL) return NULL;
    for (size_t i = 0; i < described->n_feature_views; i++) {
        const Skewless__V1__FeatureViewDescription *view = described->feature_views[i];
        if (strcmp(view->name, name) == 0 && (latest == NULL || view->version > latest->version)) latest = view;
    }
    return latest;
}

static const Skewless__V1__FieldDescription *find_field(const Skewless__V1__FeatureViewDescription *view, const char *name) {
    if (view == NULL) return NULL;
    for (size_t i = 0; i < view->n_fields; i++) {
        if (strcmp(view->fields[i]->name, name) == 0) return view->fields[i];
    }
    return NULL;
}

static const Skewless__V1__FeatureServiceDescription *find_service(const char *name) {
    if (described == NULL) return NULL;
    for (size_t i = 0; i < described->n_feature_services; i++) {
        if (strcmp(described->feature_services[i]->name, name) == 0) return described->feature_services[i];
    }
    return NULL;
}

/* The declared default of a numeric field as a double (false when it declares none). */
static bool field_default(const Skewless__V1__FieldDescription *field, double *out) {
    if (field == NULL || field->default_value == NULL) return false;
    if (!column_shape_ok(field->default_value, field->type, 1)) return false;
    return numeric_value(field->default_value, field->type, 0, out);
}

/* ------------------------------------------------------------------------------------------
 * The checks
 */

static bool handshake(int fd, const char *what) {
    Skewless__V1__HandshakeRequest hello = SKEWLESS__V1__HANDSHAKE_REQUEST__INIT;
    hello.protocol_version = PROTOCOL_VERSION;
    hello.client_name = "skewless-conformance-c/1";
    Skewless__V1__HandshakeResponse *answer = (Skewless__V1__HandshakeResponse *)call_ok(
        fd, SKEWLESS__V1__METHOD__METHOD_HANDSHAKE, &hello.base, &skewless__v1__handshake_response__descriptor, what);
    if (answer == NULL) return false;
    bool ok = check(answer->protocol_version == PROTOCOL_VERSION, "%s: protocol_version is %u (got %u)", what,
                    PROTOCOL_VERSION, answer->protocol_version);
    ok &= check(answer->max_frame_bytes > 0 && answer->max_in_flight_per_connection > 0,
                "%s: announces limits (max_frame_bytes %u, max_in_flight_per_connection %u, node '%s', server '%s')",
                what, answer->max_frame_bytes, answer->max_in_flight_per_connection, answer->node_id, answer->server_version);
    skewless__v1__handshake_response__free_unpacked(answer, NULL);
    return ok;
}

static void check_health(int fd, const char *what) {
    Skewless__V1__HealthRequest request = SKEWLESS__V1__HEALTH_REQUEST__INIT;
    Skewless__V1__HealthResponse *health = (Skewless__V1__HealthResponse *)call_ok(
        fd, SKEWLESS__V1__METHOD__METHOD_HEALTH, &request.base, &skewless__v1__health_response__descriptor, what);
    if (health == NULL) return;
    check(health->status == SKEWLESS__V1__HEALTH_RESPONSE__SERVING_STATUS__SERVING_STATUS_SERVING,
          "%s: SERVING (got %d), node '%s', %u views, %" PRIu64 " rows, %u connections", what, health->status,
          health->node_id, health->feature_views, health->entity_rows, health->open_connections);
    skewless__v1__health_response__free_unpacked(health, NULL);
}

static void check_describe(int fd) {
    Skewless__V1__DescribeRequest request = SKEWLESS__V1__DESCRIBE_REQUEST__INIT;
    described = (Skewless__V1__DescribeResponse *)call_ok(
        fd, SKEWLESS__V1__METHOD__METHOD_DESCRIBE, &request.base, &skewless__v1__describe_response__descriptor, "DESCRIBE");
    if (described == NULL) return;
    note("project '%s': %zu entities, %zu feature views, %zu feature services", described->project,
         described->n_entities, described->n_feature_views, described->n_feature_services);
    const Skewless__V1__FeatureViewDescription *view = find_view("user_transactions");
    if (check(view != NULL, "DESCRIBE: feature view user_transactions exists")) {
        static const struct { const char *name; int type; } expected[] = {
            {"txn_count_1h", SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64},
            {"txn_count_24h", SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64},
            {"txn_amount_24h", SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_DOUBLE},
            {"avg_txn_amount_7d", SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_FLOAT},
            {"distinct_merchants_7d", SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT32},
        };
        bool types_ok = true;
        for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
            const Skewless__V1__FieldDescription *field = find_field(view, expected[i].name);
            if (field == NULL || (int)field->type != expected[i].type) {
                note("user_transactions field %s: %s", expected[i].name, field ? "wrong type" : "missing");
                types_ok = false;
            }
        }
        check(types_ok, "DESCRIBE: user_transactions has the int64/double/float/int32 fields this client writes");
        check(view->staleness_policy == SKEWLESS__V1__STALENESS_POLICY__STALENESS_POLICY_SERVE_DEFAULT && view->ttl_seconds > 0,
              "DESCRIBE: user_transactions is serve_default with a TTL (policy %d, ttl %" PRIu64 "s)", view->staleness_policy,
              view->ttl_seconds);
        bool defaults_ok = true;
        for (size_t i = 0; i < view->n_fields; i++) {
            double value;
            if (!field_default(view->fields[i], &value)) defaults_ok = false;
        }
        check(defaults_ok, "DESCRIBE: every user_transactions field declares a default as a one-row column of its type");
    }
    const Skewless__V1__FeatureViewDescription *items = find_view("item_embedding");
    const Skewless__V1__FieldDescription *embedding = find_field(items, "embedding");
    check(embedding != NULL && embedding->type == SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_EMBEDDING &&
              embedding->embedding_dimension == EMBEDDING_DIMENSION,
          "DESCRIBE: item_embedding has field embedding of type embedding[%d]", EMBEDDING_DIMENSION);
    const Skewless__V1__FeatureServiceDescription *service = find_service("bench_1x50");
    check(service != NULL && service->n_features > 0, "DESCRIBE: feature service bench_1x50 exists (%zu features)",
          service ? service->n_features : (size_t)0);
}

/* Builds an int64 entity key column (points into `values`). */
static Skewless__V1__EntityKeyColumn int64_key_column(const char *join_key, int64_t *values, size_t count) {
    Skewless__V1__EntityKeyColumn column = SKEWLESS__V1__ENTITY_KEY_COLUMN__INIT;
    column.join_key = (char *)join_key;
    column.int64_values = values;
    column.n_int64_values = count;
    return column;
}

static Skewless__V1__WriteFeaturesResponse *write_features(int fd, Skewless__V1__WriteFeaturesRequest *request, const char *what) {
    return (Skewless__V1__WriteFeaturesResponse *)call_ok(fd, SKEWLESS__V1__METHOD__METHOD_WRITE_FEATURES, &request->base,
                                                          &skewless__v1__write_features_response__descriptor, what);
}

static Skewless__V1__GetOnlineFeaturesResponse *get_features(int fd, Skewless__V1__GetOnlineFeaturesRequest *request, const char *what) {
    return (Skewless__V1__GetOnlineFeaturesResponse *)call_ok(fd, SKEWLESS__V1__METHOD__METHOD_GET_ONLINE_FEATURES, &request->base,
                                                              &skewless__v1__get_online_features_response__descriptor, what);
}

/* user_transactions: rows for users 1001 and 1002; user 1002's distinct_merchants_7d is null. */
static int64_t written_event_times[2];

static void check_write_user_transactions(int fd) {
    int64_t users[2] = {1001, 1002};
    int64_t now = now_micros();
    written_event_times[0] = now - 2000000;
    written_event_times[1] = now - 1000000;

    Skewless__V1__EntityKeyColumn key = int64_key_column("user_id", users, 2);
    Skewless__V1__EntityKeyColumn *keys[] = {&key};

    int64_t count_1h[2] = {3, 7};
    int64_t count_24h[2] = {12, 30};
    double amount_24h[2] = {250.5, 1234.75};
    float avg_7d[2] = {20.25f, 41.5f};
    int32_t merchants[2] = {4, 0}; /* row 1 is null: its 0 is a placeholder */
    uint32_t null_rows[1] = {1};

    Skewless__V1__ValueColumn v[5];
    for (int i = 0; i < 5; i++) skewless__v1__value_column__init(&v[i]);
    v[0].int64_values = count_1h, v[0].n_int64_values = 2;
    v[1].int64_values = count_24h, v[1].n_int64_values = 2;
    v[2].double_values = amount_24h, v[2].n_double_values = 2;
    v[3].float_values = avg_7d, v[3].n_float_values = 2;
    v[4].int32_values = merchants, v[4].n_int32_values = 2;
    const char *names[5] = {"txn_count_1h", "txn_count_24h", "txn_amount_24h", "avg_txn_amount_7d", "distinct_merchants_7d"};
    Skewless__V1__WriteColumn columns[5];
    Skewless__V1__WriteColumn *column_pointers[5];
    for (int i = 0; i < 5; i++) {
        skewless__v1__write_column__init(&columns[i]);
        columns[i].field = (char *)names[i];
        columns[i].values = &v[i];
        column_pointers[i] = &columns[i];
    }
    columns[4].null_rows = null_rows;
    columns[4].n_null_rows = 1;

    Skewless__V1__WriteFeaturesRequest request = SKEWLESS__V1__WRITE_FEATURES_REQUEST__INIT;
    request.feature_view = "user_transactions";
    request.entities = keys;
    request.n_entities = 1;
    request.event_time_micros = written_event_times;
    request.n_event_time_micros = 2;
    request.columns = column_pointers;
    request.n_columns = 5;
    Skewless__V1__WriteFeaturesResponse *written = write_features(fd, &request, "WRITE_FEATURES user_transactions");
    if (written == NULL) return;
    check(written->rows_written == 2 && written->rows_ignored_older == 0,
          "WRITE_FEATURES user_transactions: rows_written 2, rows_ignored_older 0 (got %" PRIu64 ", %" PRIu64 ")",
          written->rows_written, written->rows_ignored_older);
    skewless__v1__write_features_response__free_unpacked(written, NULL);
}

/* Whether `resolved` ("view@version:field") names `view` and `field`. */
static bool names_feature(const char *resolved, const char *view, const char *field) {
    size_t view_length = strlen(view);
    if (strncmp(resolved, view, view_length) != 0 || resolved[view_length] != '@') return false;
    const char *colon = strchr(resolved + view_length, ':');
    if (colon == NULL || strcmp(colon + 1, field) != 0) return false;
    for (const char *p = resolved + view_length + 1; p < colon; p++) {
        if (*p < '0' || *p > '9') return false;
    }
    return colon > resolved + view_length + 1;
}

static void check_get_user_transactions(int fd) {
    const Skewless__V1__FeatureViewDescription *view = find_view("user_transactions");
    static const char *fields[5] = {"txn_count_1h", "txn_count_24h", "txn_amount_24h", "avg_txn_amount_7d", "distinct_merchants_7d"};
    static const int types[5] = {
        SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64, SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64,
        SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_DOUBLE, SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_FLOAT,
        SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT32,
    };
    /* What was written: rows 1001 and 1002. NAN marks the null. */
    static const double written[5][2] = {{3, 7}, {12, 30}, {250.5, 1234.75}, {20.25, 41.5}, {4, NAN}};

    char references[5][96];
    char *reference_pointers[5];
    for (int i = 0; i < 5; i++) {
        snprintf(references[i], sizeof references[i], "user_transactions:%s", fields[i]);
        reference_pointers[i] = references[i];
    }
    Skewless__V1__FeatureList list = SKEWLESS__V1__FEATURE_LIST__INIT;
    list.features = reference_pointers;
    list.n_features = 5;
    int64_t users[3] = {1001, 1002, 999999};
    Skewless__V1__EntityKeyColumn key = int64_key_column("user_id", users, 3);
    Skewless__V1__EntityKeyColumn *keys[] = {&key};
    Skewless__V1__GetOnlineFeaturesRequest request = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__INIT;
    request.selector_case = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__SELECTOR_FEATURES;
    request.features = &list;
    request.entities = keys;
    request.n_entities = 1;
    Skewless__V1__GetOnlineFeaturesResponse *response = get_features(fd, &request, "GET_ONLINE_FEATURES user_transactions by feature list");
    if (response == NULL) return;
    if (!check(response->n_features == 5, "GET user_transactions: 5 feature columns in request order (got %zu)", response->n_features)) {
        skewless__v1__get_online_features_response__free_unpacked(response, NULL);
        return;
    }
    for (int i = 0; i < 5; i++) {
        const Skewless__V1__FeatureColumn *column = response->features[i];
        const char *field = fields[i];
        if (!check(names_feature(column->feature, "user_transactions", field) && (int)column->type == types[i] &&
                       column->n_statuses == 3 && column->n_event_time_micros == 3 && column_shape_ok(column->values, types[i], 3),
                   "GET user_transactions:%s: resolved as '%s', type %d, 3 statuses, 3 event times, exactly 3 values in its type's array",
                   field, column->feature, column->type)) {
            continue;
        }
        double got[3];
        for (int row = 0; row < 3; row++) numeric_value(column->values, types[i], (size_t)row, &got[row]);
        double fallback = NAN;
        bool has_default = field_default(find_field(view, field), &fallback);
        for (int row = 0; row < 2; row++) {
            const char *who = row == 0 ? "1001" : "1002";
            if (isnan(written[i][row])) {
                check(has_default && column->statuses[row] == SKEWLESS__V1__VALUE_STATUS__VALUE_STATUS_DEFAULTED && got[row] == fallback &&
                          column->event_time_micros[row] == written_event_times[row],
                      "GET user_transactions:%s user %s (written null): DEFAULTED with the declared default %g and the row's event time (got %s, %g, %" PRId64 ")",
                      field, who, fallback, value_status_name(column->statuses[row]), got[row], column->event_time_micros[row]);
            } else {
                check(column->statuses[row] == SKEWLESS__V1__VALUE_STATUS__VALUE_STATUS_PRESENT && got[row] == written[i][row] &&
                          column->event_time_micros[row] == written_event_times[row],
                      "GET user_transactions:%s user %s: PRESENT %g at event time %" PRId64 " (got %s, %g, %" PRId64 ")", field, who,
                      written[i][row], written_event_times[row], value_status_name(column->statuses[row]), got[row],
                      column->event_time_micros[row]);
            }
        }
        check(has_default && column->statuses[2] == SKEWLESS__V1__VALUE_STATUS__VALUE_STATUS_DEFAULTED && got[2] == fallback &&
                  column->event_time_micros[2] == 0,
              "GET user_transactions:%s unknown user 999999: DEFAULTED with the declared default %g, event time 0 (got %s, %g, %" PRId64 ")",
              field, fallback, value_status_name(column->statuses[2]), got[2], column->event_time_micros[2]);
    }
    skewless__v1__get_online_features_response__free_unpacked(response, NULL);
}

/* bench_float50 gets one row for user 1001, then the bench_1x50 service is read for 1001 and 999999. */
static void check_feature_service(int fd) {
    const Skewless__V1__FeatureViewDescription *view = find_view("bench_float50");
    const Skewless__V1__FeatureServiceDescription *service = find_service("bench_1x50");
    if (!check(view != NULL && service != NULL, "bench_float50 and bench_1x50 are described")) return;

    size_t n = view->n_fields;
    int64_t users[1] = {1001};
    int64_t event_times[1] = {now_micros() - 500000};
    Skewless__V1__EntityKeyColumn key = int64_key_column("user_id", users, 1);
    Skewless__V1__EntityKeyColumn *keys[] = {&key};
    Skewless__V1__ValueColumn *values = calloc(n, sizeof *values);
    Skewless__V1__WriteColumn *columns = calloc(n, sizeof *columns);
    Skewless__V1__WriteColumn **column_pointers = calloc(n, sizeof *column_pointers);
    float *floats = calloc(n, sizeof *floats);
    if (!values || !columns || !column_pointers || !floats) abort();
    size_t written_columns = 0;
    for (size_t i = 0; i < n; i++) {
        if (view->fields[i]->type != SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_FLOAT) continue;
        floats[i] = 0.25f * (float)i + 1.0f;
        skewless__v1__value_column__init(&values[i]);
        values[i].float_values = &floats[i];
        values[i].n_float_values = 1;
        skewless__v1__write_column__init(&columns[i]);
        columns[i].field = view->fields[i]->name;
        columns[i].values = &values[i];
        column_pointers[written_columns++] = &columns[i];
    }
    Skewless__V1__WriteFeaturesRequest write = SKEWLESS__V1__WRITE_FEATURES_REQUEST__INIT;
    write.feature_view = "bench_float50";
    write.entities = keys;
    write.n_entities = 1;
    write.event_time_micros = event_times;
    write.n_event_time_micros = 1;
    write.columns = column_pointers;
    write.n_columns = written_columns;
    Skewless__V1__WriteFeaturesResponse *written = write_features(fd, &write, "WRITE_FEATURES bench_float50");
    if (written != NULL) {
        check(written->rows_written == 1, "WRITE_FEATURES bench_float50: %zu float columns, rows_written 1 (got %" PRIu64 ")",
              written_columns, written->rows_written);
        skewless__v1__write_features_response__free_unpacked(written, NULL);
    }

    int64_t readers[2] = {1001, 999999};
    Skewless__V1__EntityKeyColumn read_key = int64_key_column("user_id", readers, 2);
    Skewless__V1__EntityKeyColumn *read_keys[] = {&read_key};
    Skewless__V1__GetOnlineFeaturesRequest request = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__INIT;
    request.selector_case = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__SELECTOR_FEATURE_SERVICE;
    request.feature_service = "bench_1x50";
    request.entities = read_keys;
    request.n_entities = 1;
    Skewless__V1__GetOnlineFeaturesResponse *response = get_features(fd, &request, "GET_ONLINE_FEATURES by feature service bench_1x50");
    if (response != NULL &&
        check(response->n_features == service->n_features, "GET bench_1x50: one column per service feature (%zu, got %zu)",
              service->n_features, response->n_features)) {
        size_t shape_ok = 0, order_ok = 0, present_ok = 0, present_expected = 0, missing_ok = 0;
        for (size_t i = 0; i < response->n_features; i++) {
            const Skewless__V1__FeatureColumn *column = response->features[i];
            if (column->n_statuses == 2 && column->n_event_time_micros == 2 && column_shape_ok(column->values, column->type, 2)) shape_ok++;
            /* The service lists "view:field" or "view@version:field"; the response "view@version:field". */
            const char *listed = service->features[i];
            const char *listed_field = strrchr(listed, ':');
            const char *resolved_field = strrchr(column->feature, ':');
            size_t listed_view = strcspn(listed, "@:");
            if (listed_field && resolved_field && strcmp(listed_field, resolved_field) == 0 &&
                strncmp(listed, column->feature, listed_view) == 0 && column->feature[listed_view] == '@') {
                order_ok++;
            }
            if (column->n_statuses != 2 || !column_shape_ok(column->values, column->type, 2)) continue;
            if (names_feature(column->feature, "bench_float50", resolved_field ? resolved_field + 1 : "")) {
                const Skewless__V1__FieldDescription *field = find_field(view, resolved_field + 1);
                size_t index = 0;
                while (index < n && view->fields[index] != field) index++;
                present_expected++;
                if (index < n && column->statuses[0] == SKEWLESS__V1__VALUE_STATUS__VALUE_STATUS_PRESENT &&
                    column->values->float_values[0] == floats[index] && column->event_time_micros[0] == event_times[0]) {
                    present_ok++;
                }
            }
            bool missing = column->statuses[1] == SKEWLESS__V1__VALUE_STATUS__VALUE_STATUS_NOT_FOUND ||
                           column->statuses[1] == SKEWLESS__V1__VALUE_STATUS__VALUE_STATUS_DEFAULTED;
            if (missing && column->event_time_micros[1] == 0) missing_ok++;
        }
        check(shape_ok == response->n_features, "GET bench_1x50: every column has 2 statuses, 2 event times, 2 values of its type (%zu/%zu)",
              shape_ok, response->n_features);
        check(order_ok == response->n_features, "GET bench_1x50: columns follow the service's order, resolved as view@version:field (%zu/%zu)",
              order_ok, response->n_features);
        check(present_expected > 0 && present_ok == present_expected,
              "GET bench_1x50 user 1001: bench_float50 values PRESENT as written, with the row's event time (%zu/%zu)", present_ok,
              present_expected);
        check(missing_ok == response->n_features, "GET bench_1x50 unknown user 999999: NOT_FOUND or DEFAULTED, event time 0 (%zu/%zu)",
              missing_ok, response->n_features);
    }
    if (response) skewless__v1__get_online_features_response__free_unpacked(response, NULL);
    free(values);
    free(columns);
    free(column_pointers);
    free(floats);
}

/* item_embedding: a sparse vector sent LZ4-compressed, and a dense one sent raw. */
static void check_embeddings(int fd) {
    float sparse[EMBEDDING_DIMENSION] = {0};
    sparse[3] = 0.5f;
    sparse[17] = -1.25f;
    sparse[42] = 3.0f;
    sparse[63] = 1e-3f;
    float dense[EMBEDDING_DIMENSION];
    for (int i = 0; i < EMBEDDING_DIMENSION; i++) dense[i] = (float)((i * 37) % 101) / 8.0f - 5.5f; /* no long runs: LZ4 barely shrinks it */

    uint8_t sparse_raw[EMBEDDING_DIMENSION * 4], dense_raw[EMBEDDING_DIMENSION * 4];
    floats_to_le(sparse, EMBEDDING_DIMENSION, sparse_raw);
    floats_to_le(dense, EMBEDDING_DIMENSION, dense_raw);
    char compressed[LZ4_COMPRESSBOUND(EMBEDDING_DIMENSION * 4)];
    int compressed_length = LZ4_compress_default((const char *)sparse_raw, compressed, (int)sizeof sparse_raw, (int)sizeof compressed);
    if (!check(compressed_length > 0 && compressed_length < (int)sizeof sparse_raw,
               "LZ4 compresses the sparse 64-dim vector to %d of %zu bytes", compressed_length, sizeof sparse_raw)) {
        return;
    }

    Skewless__V1__Embedding embeddings[2];
    skewless__v1__embedding__init(&embeddings[0]);
    embeddings[0].dimension = EMBEDDING_DIMENSION;
    embeddings[0].lz4 = 1;
    embeddings[0].data.data = (uint8_t *)compressed;
    embeddings[0].data.len = (size_t)compressed_length;
    skewless__v1__embedding__init(&embeddings[1]);
    embeddings[1].dimension = EMBEDDING_DIMENSION;
    embeddings[1].lz4 = 0;
    embeddings[1].data.data = dense_raw;
    embeddings[1].data.len = sizeof dense_raw;
    Skewless__V1__Embedding *embedding_pointers[2] = {&embeddings[0], &embeddings[1]};
    char *categories[2] = {"shoes", "hats"};

    Skewless__V1__ValueColumn vectors = SKEWLESS__V1__VALUE_COLUMN__INIT;
    vectors.embedding_values = embedding_pointers;
    vectors.n_embedding_values = 2;
    Skewless__V1__ValueColumn labels = SKEWLESS__V1__VALUE_COLUMN__INIT;
    labels.string_values = categories;
    labels.n_string_values = 2;
    Skewless__V1__WriteColumn columns[2];
    skewless__v1__write_column__init(&columns[0]);
    columns[0].field = "embedding";
    columns[0].values = &vectors;
    skewless__v1__write_column__init(&columns[1]);
    columns[1].field = "category";
    columns[1].values = &labels;
    Skewless__V1__WriteColumn *column_pointers[2] = {&columns[0], &columns[1]};

    int64_t items[2] = {4242, 4243};
    int64_t event_times[2] = {now_micros() - 100000, now_micros() - 100000};
    Skewless__V1__EntityKeyColumn key = int64_key_column("item_id", items, 2);
    Skewless__V1__EntityKeyColumn *keys[] = {&key};
    Skewless__V1__WriteFeaturesRequest write = SKEWLESS__V1__WRITE_FEATURES_REQUEST__INIT;
    write.feature_view = "item_embedding";
    write.entities = keys;
    write.n_entities = 1;
    write.event_time_micros = event_times;
    write.n_event_time_micros = 2;
    write.columns = column_pointers;
    write.n_columns = 2;
    Skewless__V1__WriteFeaturesResponse *written = write_features(fd, &write, "WRITE_FEATURES item_embedding (LZ4 and raw embeddings)");
    if (written == NULL) return;
    check(written->rows_written == 2, "WRITE_FEATURES item_embedding: rows_written 2 (got %" PRIu64 ")", written->rows_written);
    skewless__v1__write_features_response__free_unpacked(written, NULL);

    char *references[2] = {"item_embedding:embedding", "item_embedding:category"};
    Skewless__V1__FeatureList list = SKEWLESS__V1__FEATURE_LIST__INIT;
    list.features = references;
    list.n_features = 2;
    Skewless__V1__GetOnlineFeaturesRequest request = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__INIT;
    request.selector_case = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__SELECTOR_FEATURES;
    request.features = &list;
    request.entities = keys;
    request.n_entities = 1;
    Skewless__V1__GetOnlineFeaturesResponse *response = get_features(fd, &request, "GET_ONLINE_FEATURES item_embedding");
    if (response == NULL) return;
    if (check(response->n_features == 2, "GET item_embedding: 2 columns (got %zu)", response->n_features)) {
        const Skewless__V1__FeatureColumn *column = response->features[0];
        if (check(column->type == SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_EMBEDDING && column->n_statuses == 2 &&
                      column_shape_ok(column->values, SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_EMBEDDING, 2),
                  "GET item_embedding:embedding: type EMBEDDING, exactly 2 values in embedding_values")) {
            const float *expected[2] = {sparse, dense};
            const char *labels_[2] = {"sparse vector sent LZ4", "dense vector sent raw"};
            for (int row = 0; row < 2; row++) {
                const Skewless__V1__Embedding *e = column->values->embedding_values[row];
                float decoded[EMBEDDING_DIMENSION];
                bool decodes = decode_embedding(e, EMBEDDING_DIMENSION, decoded);
                check(column->statuses[row] == SKEWLESS__V1__VALUE_STATUS__VALUE_STATUS_PRESENT && decodes &&
                          memcmp(decoded, expected[row], sizeof decoded) == 0,
                      "GET item_embedding:embedding %s: PRESENT, read back as %s (%zu bytes), decodes to the written floats",
                      labels_[row], e->lz4 ? "LZ4" : "raw", e->data.len);
            }
        }
        const Skewless__V1__FeatureColumn *category = response->features[1];
        bool shape = column_shape_ok(category->values, SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_STRING, 2);
        check(shape && strcmp(category->values->string_values[0], "shoes") == 0 && strcmp(category->values->string_values[1], "hats") == 0,
              "GET item_embedding:category: the strings written");
    }
    skewless__v1__get_online_features_response__free_unpacked(response, NULL);
}

/* Several requests sent before any response is read, matched by request id. */
static void check_pipelining(int fd) {
    enum { COUNT = 6 };
    uint64_t ids[COUNT] = {7001, 7003, 7002, 7010, 7005, 7004}; /* any unique non-zero ids */
    int methods[COUNT] = {
        SKEWLESS__V1__METHOD__METHOD_HEALTH, SKEWLESS__V1__METHOD__METHOD_GET_ONLINE_FEATURES,
        SKEWLESS__V1__METHOD__METHOD_DESCRIBE, SKEWLESS__V1__METHOD__METHOD_GET_ONLINE_FEATURES,
        SKEWLESS__V1__METHOD__METHOD_HEALTH, SKEWLESS__V1__METHOD__METHOD_GET_ONLINE_FEATURES,
    };
    int64_t users[2][1] = {{1001}, {1002}};
    int64_t user_for[COUNT] = {0, 0, 0, 1, 0, 0};
    char *reference[1] = {"user_transactions:txn_count_24h"};
    Skewless__V1__FeatureList list = SKEWLESS__V1__FEATURE_LIST__INIT;
    list.features = reference;
    list.n_features = 1;
    bool sent = true;
    for (int i = 0; i < COUNT; i++) {
        Skewless__V1__HealthRequest health = SKEWLESS__V1__HEALTH_REQUEST__INIT;
        Skewless__V1__DescribeRequest describe = SKEWLESS__V1__DESCRIBE_REQUEST__INIT;
        Skewless__V1__EntityKeyColumn key = int64_key_column("user_id", users[user_for[i]], 1);
        Skewless__V1__EntityKeyColumn *keys[] = {&key};
        Skewless__V1__GetOnlineFeaturesRequest get = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__INIT;
        get.selector_case = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__SELECTOR_FEATURES;
        get.features = &list;
        get.entities = keys;
        get.n_entities = 1;
        const ProtobufCMessage *payload = methods[i] == SKEWLESS__V1__METHOD__METHOD_HEALTH ? &health.base
                                          : methods[i] == SKEWLESS__V1__METHOD__METHOD_DESCRIBE ? &describe.base
                                                                                                : &get.base;
        sent &= send_request(fd, ids[i], methods[i], payload);
    }
    if (!check(sent, "pipelining: %d requests sent before reading any response", COUNT)) return;
    bool seen[COUNT] = {false};
    int matched = 0, decoded_ok = 0, values_ok = 0;
    for (int n = 0; n < COUNT; n++) {
        Skewless__V1__ResponseFrame *response = read_response(fd, NULL);
        if (response == NULL) break;
        int index = -1;
        for (int i = 0; i < COUNT; i++) {
            if (ids[i] == response->request_id && !seen[i]) index = i;
        }
        if (index >= 0 && response_code(response) == 0) {
            seen[index] = true;
            matched++;
            const ProtobufCMessageDescriptor *descriptor =
                methods[index] == SKEWLESS__V1__METHOD__METHOD_HEALTH ? &skewless__v1__health_response__descriptor
                : methods[index] == SKEWLESS__V1__METHOD__METHOD_DESCRIBE ? &skewless__v1__describe_response__descriptor
                                                                          : &skewless__v1__get_online_features_response__descriptor;
            ProtobufCMessage *message = protobuf_c_message_unpack(descriptor, NULL, response->payload.len, response->payload.data);
            if (message != NULL) {
                decoded_ok++;
                if (methods[index] == SKEWLESS__V1__METHOD__METHOD_GET_ONLINE_FEATURES) {
                    Skewless__V1__GetOnlineFeaturesResponse *get = (Skewless__V1__GetOnlineFeaturesResponse *)message;
                    int64_t expected = user_for[index] == 0 ? 12 : 30;
                    if (get->n_features == 1 && column_shape_ok(get->features[0]->values, SKEWLESS__V1__VALUE_TYPE__VALUE_TYPE_INT64, 1) &&
                        get->features[0]->values->int64_values[0] == expected) {
                        values_ok++;
                    }
                } else {
                    values_ok++;
                }
                protobuf_c_message_free_unpacked(message, NULL);
            }
        } else {
            note("pipelining: unexpected response id %" PRIu64 " (%s: %s)", response->request_id, status_name(response_code(response)),
                 response_message(response));
        }
        skewless__v1__response_frame__free_unpacked(response, NULL);
    }
    check(matched == COUNT, "pipelining: each of the %d request ids answered exactly once with OK (%d)", COUNT, matched);
    check(decoded_ok == COUNT && values_ok == COUNT,
          "pipelining: each payload decodes as its method's response, GETs carry their own entity's value (%d/%d)", values_ok, COUNT);
}

/* Sends a request, expects a response with the same id, status `code` and a message. */
static void expect_error(int fd, int method, const ProtobufCMessage *payload, int code, const char *what) {
    uint64_t id = next_request_id++;
    Skewless__V1__ResponseFrame *response = NULL;
    if (send_request(fd, id, method, payload)) response = await_response(fd, id);
    if (!check(response != NULL, "%s: a response with the request's id arrives", what)) return;
    check(response_code(response) == code && *response_message(response) != '\0' && response->payload.len == 0,
          "%s: %s with a message and no payload (got %s: \"%s\")", what, status_name(code), status_name(response_code(response)),
          response_message(response));
    skewless__v1__response_frame__free_unpacked(response, NULL);
}

static void check_errors(int fd) {
    Skewless__V1__HealthRequest health = SKEWLESS__V1__HEALTH_REQUEST__INIT;
    expect_error(fd, 99, &health.base, SKEWLESS__V1__STATUS_CODE__UNIMPLEMENTED, "unknown method 99");

    char *reference[1] = {"user_transactions:no_such_field"};
    Skewless__V1__FeatureList list = SKEWLESS__V1__FEATURE_LIST__INIT;
    list.features = reference;
    list.n_features = 1;
    int64_t users[1] = {1001};
    Skewless__V1__EntityKeyColumn key = int64_key_column("user_id", users, 1);
    Skewless__V1__EntityKeyColumn *keys[] = {&key};
    Skewless__V1__GetOnlineFeaturesRequest get = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__INIT;
    get.selector_case = SKEWLESS__V1__GET_ONLINE_FEATURES_REQUEST__SELECTOR_FEATURES;
    get.features = &list;
    get.entities = keys;
    get.n_entities = 1;
    expect_error(fd, SKEWLESS__V1__METHOD__METHOD_GET_ONLINE_FEATURES, &get.base, SKEWLESS__V1__STATUS_CODE__NOT_FOUND,
                 "unknown feature user_transactions:no_such_field");

    Skewless__V1__HandshakeRequest hello = SKEWLESS__V1__HANDSHAKE_REQUEST__INIT;
    hello.protocol_version = PROTOCOL_VERSION;
    expect_error(fd, SKEWLESS__V1__METHOD__METHOD_HANDSHAKE, &hello.base, SKEWLESS__V1__STATUS_CODE__FAILED_PRECONDITION,
                 "a second HANDSHAKE on the connection");

    /* A frame whose body is not a RequestFrame: field 4 (payload, length-delimited) announces
     * 127 bytes but only 14 follow. The framing itself is intact. */
    static const uint8_t garbage[] = {0x22, 0x7f, 'n', 'o', 't', ' ', 'a', ' ', 'p', 'r', 'o', 't', 'o', 'b', 'u', 'f'};
    Skewless__V1__ResponseFrame *response = NULL;
    if (send_frame(fd, garbage, sizeof garbage)) response = await_response(fd, 0);
    if (check(response != NULL, "garbage frame body: a response with request_id 0 arrives")) {
        check(response_code(response) == SKEWLESS__V1__STATUS_CODE__INVALID_ARGUMENT && *response_message(response) != '\0',
              "garbage frame body: INVALID_ARGUMENT with a message (got %s: \"%s\")", status_name(response_code(response)),
              response_message(response));
        skewless__v1__response_frame__free_unpacked(response, NULL);
    }
    check_health(fd, "HEALTH after the garbage frame (the connection stays usable)");
}

/* On fresh connections: a request before the handshake, and a wrong protocol version. */
static void check_handshake_rules(const char *host, const char *port) {
    struct {
        const char *what;
        int method;
        uint32_t version;
    } cases[] = {
        {"HEALTH before HANDSHAKE", SKEWLESS__V1__METHOD__METHOD_HEALTH, 0},
        {"HANDSHAKE with protocol_version 2", SKEWLESS__V1__METHOD__METHOD_HANDSHAKE, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int fd = connect_to(host, port);
        if (!check(fd >= 0, "%s: connected", cases[i].what)) continue;
        Skewless__V1__HealthRequest health = SKEWLESS__V1__HEALTH_REQUEST__INIT;
        Skewless__V1__HandshakeRequest hello = SKEWLESS__V1__HANDSHAKE_REQUEST__INIT;
        hello.protocol_version = cases[i].version;
        hello.client_name = "c";
        const ProtobufCMessage *payload = cases[i].method == SKEWLESS__V1__METHOD__METHOD_HEALTH ? &health.base : &hello.base;
        Skewless__V1__ResponseFrame *response = NULL;
        if (send_request(fd, 42, cases[i].method, payload)) response = read_response(fd, NULL);
        if (check(response != NULL, "%s: a response arrives", cases[i].what)) {
            check(response->request_id == 42 && response_code(response) == SKEWLESS__V1__STATUS_CODE__FAILED_PRECONDITION &&
                      *response_message(response) != '\0',
                  "%s: FAILED_PRECONDITION for request 42 with a message (got id %" PRIu64 ", %s: \"%s\")", cases[i].what,
                  response->request_id, status_name(response_code(response)), response_message(response));
            skewless__v1__response_frame__free_unpacked(response, NULL);
        }
        bool closed = false;
        Skewless__V1__ResponseFrame *extra = read_response(fd, &closed);
        check(extra == NULL && closed, "%s: the node then closes the connection", cases[i].what);
        if (extra) skewless__v1__response_frame__free_unpacked(extra, NULL);
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
        return 2;
    }
    const char *host = argv[1], *port = argv[2];
    signal(SIGPIPE, SIG_IGN); /* a closed connection is a failed check, not a dead process */
    int fd = connect_to(host, port);
    if (check(fd >= 0, "connect to %s:%s", host, port)) {
        if (handshake(fd, "HANDSHAKE")) {
            check_health(fd, "HEALTH");
            check_describe(fd);
            if (described != NULL) {
                check_write_user_transactions(fd);
                check_get_user_transactions(fd);
                check_feature_service(fd);
                check_embeddings(fd);
                check_pipelining(fd);
            }
            check_errors(fd);
        }
        clear_stash();
        close(fd);
        check_handshake_rules(host, port);
    }
    if (described != NULL) skewless__v1__describe_response__free_unpacked(described, NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
