#define _GNU_SOURCE
#include "CUDPBatch.h"

#include <stddef.h>

_Static_assert(sizeof(chatkit_mmsghdr) == sizeof(struct mmsghdr), "chatkit_mmsghdr must match struct mmsghdr");
_Static_assert(offsetof(chatkit_mmsghdr, length) == offsetof(struct mmsghdr, msg_len),
               "chatkit_mmsghdr.length must sit where struct mmsghdr.msg_len does");

const int chatkit_msg_waitforone = MSG_WAITFORONE;

int chatkit_recvmmsg(int fd, chatkit_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}

int chatkit_sendmmsg(int fd, chatkit_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}
