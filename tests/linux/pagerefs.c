/* A page's use count (Pecan's Unix server counts the users of each page
 * of its pool, user/unix/pool.c): one page of a file mapped privately,
 * read-only, 512 times, and the process forked 128 times, is used
 * 1 + 512 * 129 = 66049 times, more than 16 bits hold. When the count
 * was 16 bits it wrapped: the children's ends freed the page while the
 * file and the parent still had it, and the anonymous memory allocated
 * next got it (the file then read as that memory's bytes). The file's
 * bytes must stay the file's, through the mappings and read(2), after
 * the children end, after other memory is written, and after munmap. */
#include "lt.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define MAPS 512
#define CHILDREN 128
#define PAGE 4096
#define SCRIBBLE 2048                   /* pages of fresh memory written over */

static char *maps[MAPS];
static int gate[2];

static int child(void *arg)
{
    (void)arg;
    char c;
    close(gate[1]);                         /* (or no child would see the end) */
    while (read(gate[0], &c, 1) < 0 && errno == EINTR)
        ;
    return 0;
}

static int file_intact(int fd)
{
    static char buf[PAGE];
    if (pread(fd, buf, PAGE, 0) != PAGE)
        return 0;
    for (int i = 0; i < PAGE; i++)
        if (buf[i] != 'F')
            return 0;
    return 1;
}

static int maps_intact(void)
{
    for (int i = 0; i < MAPS; i++)
        if (maps[i][0] != 'F' || maps[i][PAGE - 1] != 'F')
            return 0;
    return 1;
}

/* Fresh anonymous memory, written: it would get a page freed too soon. */
static void scribble(void)
{
    char *m = mmap(NULL, SCRIBBLE * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED)
        lt_fail("mmap of fresh memory: %s", errname(errno));
    for (int i = 0; i < SCRIBBLE; i++)
        memset(m + (long)i * PAGE, 'X', PAGE);
    munmap(m, SCRIBBLE * PAGE);
}

int main(void)
{
    lt_tmpdir();
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char page[PAGE];
    memset(page, 'F', PAGE);
    if (fd < 0 || write(fd, page, PAGE) != PAGE)
        lt_fail("the file: %s", errname(errno));
    int ok = 1;
    for (int i = 0; i < MAPS; i++) {
        maps[i] = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
        if (maps[i] == MAP_FAILED)
            lt_fail("mmap %d: %s", i, errname(errno));
        ok &= *(volatile char *)maps[i] == 'F';     /* (each one a use of the page) */
    }
    yes("the file's page mapped 512 times", ok);
    if (pipe(gate) < 0)
        lt_fail("pipe: %s", errname(errno));
    pid_t kids[CHILDREN];
    for (int i = 0; i < CHILDREN; i++)
        kids[i] = lt_fork(child, NULL);
    say("forked %d children, each with the 512 mappings", CHILDREN);
    yes("the mappings read the file", maps_intact());
    close(gate[1]);                         /* the children read EOF and end */
    int exited = 0;
    for (int i = 0; i < CHILDREN; i++) {
        int st = lt_wait(kids[i]);
        exited += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    say("children ended normally: %d", exited);
    scribble();
    yes("after the children: the mappings read the file", maps_intact());
    yes("after the children: read(2) reads the file", file_intact(fd));
    ok = 1;
    for (int i = 0; i < MAPS; i++)
        ok &= munmap(maps[i], PAGE) == 0;
    yes("munmap of the 512 mappings", ok);
    scribble();
    yes("after munmap: read(2) reads the file", file_intact(fd));
    close(fd);
    lt_done();
}
