#!/bin/sh
# Builds the syscall-heavy workloads of the seccomp benchmarks into DIR:
#   DIR/pread N [BYTES [FILE]]   N preads of BYTES (64) at offset 0 of FILE (/etc/passwd), static C
#   DIR/find-usr                 find /usr -type f > /dev/null
set -eu
DIR=$1
cat > "$DIR/pread.c" <<'C'
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
static char buf[1 << 20];
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    long size = argc > 2 ? atol(argv[2]) : 64;
    int fd = open(argc > 3 ? argv[3] : "/etc/passwd", O_RDONLY);
    if (fd < 0 || size > (long)sizeof buf) return 2;
    for (long i = 0; i < n; i++)
        if (pread(fd, buf, size, 0) < 0) return 1;
    return 0;
}
C
gcc -O2 -static -o "$DIR/pread" "$DIR/pread.c"
printf '#!/bin/sh\nexec find /usr -type f > /dev/null\n' > "$DIR/find-usr"
chmod +x "$DIR/find-usr"
find /usr -type f > /dev/null # warm the dentry and page caches
