// Batched datagram system calls (recvmmsg, sendmmsg) for TransportUDP.
//
// Swift's Glibc module is built without _GNU_SOURCE, so it has neither the calls nor `struct mmsghdr`.
// This header declares a structure of the same layout and thin wrappers compiled with _GNU_SOURCE.
#ifndef CUDPBATCH_H
#define CUDPBATCH_H

#include <sys/socket.h>

/// One datagram of a batch: its message header and, after the call, its length in bytes.
/// Laid out exactly as the kernel's `struct mmsghdr` (checked when the wrappers are compiled).
typedef struct {
    struct msghdr header;
    unsigned int length;
} chatkit_mmsghdr;

/// recvmmsg(2) without a timeout: fills up to `count` messages, returns how many, or -1 with errno set.
int chatkit_recvmmsg(int fd, chatkit_mmsghdr *messages, unsigned int count, int flags);

/// sendmmsg(2): sends up to `count` messages, returns how many went out, or -1 with errno set.
int chatkit_sendmmsg(int fd, chatkit_mmsghdr *messages, unsigned int count, int flags);

/// MSG_WAITFORONE: block for the first datagram only, then take what is already waiting.
extern const int chatkit_msg_waitforone;

#endif
