/* Loopback sockets for the unit tests of remote shards (test_xapian_c.c,
 * test_stub.c). Include after <cmocka.h>. */
#ifndef QUARRY_TEST_LOOPBACK_H
#define QUARRY_TEST_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A TCP socket bound to a free port of 127.0.0.1, whose number goes to
 * *port. With listening != 0 it listens: the kernel then accepts
 * connections into the backlog, and nothing ever answers them (a hung
 * server). */
static int loopback_socket(int listening, unsigned *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    if (listening)
        assert_int_equal(listen(s, 4), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return s;
}

/* A loopback port nothing listens on (at the moment): bound, then
 * closed. */
static unsigned closed_port(void)
{
    unsigned port;
    close(loopback_socket(0, &port));
    return port;
}

#endif
