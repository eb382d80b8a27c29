# Busybox applets on Pecan against the same busybox on the build machine
# (make test: session.unix_applets_match_the_build_machine). Everything it
# prints must be the same on both: no times, pids or absolute paths.
set -e
d=/tmp/applets-test
rm -rf $d; mkdir -p $d; cd $d
printf 'pear\napple\nfig\napple\nbanana\nfig\nfig\n' > fruit
echo "sort:"; sort fruit | tr '\n' ' '; echo
echo "sort -r -u:"; sort -r -u fruit | tr '\n' ' '; echo
echo "uniq -c:"; sort fruit | uniq -c | tr -s ' ' | tr '\n' ';'; echo
echo "grep -E:"; grep -E '^(a|b)' fruit | tr '\n' ' '; echo
echo "grep -c:"; grep -c fig fruit
echo "sed:"; sed -n 's/^f\(i\)g$/F\1G/p' fruit | head -1
echo "awk:"; awk '{ n[$1]++ } END { for (k in n) s += n[k]; print NR, s, length(n) }' fruit
echo "tr:"; echo 'Hello, Pecan' | tr 'a-z' 'A-Z'
echo "cut:"; printf 'a:b:c\nd:e:f\n' | cut -d: -f2,3
echo "head/tail:"; seq 1 20 | head -5 | tail -2 | tr '\n' ' '; echo
echo "wc:"; wc -l -w -c < fruit | tr -s ' '
mkdir -p tree/a/b tree/c
echo one > tree/a/1.txt; echo two > tree/a/b/2.txt; echo three > tree/c/3.dat
echo "find:"; find tree -name '*.txt' | sort | tr '\n' ' '; echo
echo "find -type d:"; find tree -type d | sort | tr '\n' ' '; echo
echo "xargs:"; find tree -type f | sort | xargs cat | tr '\n' ' '; echo
echo "tar:"; tar cf t.tar tree; mkdir out; tar xf t.tar -C out; find out -type f | sort | xargs cat | tr '\n' ' '; echo
echo "gzip round trip:"; seq 1 500 > nums; cp nums nums.orig; gzip nums; test -f nums.gz && ! test -f nums && gunzip nums.gz && cmp nums nums.orig && echo same
echo "md5sum:"; md5sum fruit nums | cut -d' ' -f1
echo "expr:"; expr 6 \* 7; expr length pecan; expr 10 / 3
echo "test:"; test 3 -lt 5 && echo lt; test -d tree && echo dir; test -s fruit && echo nonempty
echo "printf:"; printf '%05d|%-4s|%x|%.2f\n' 42 ab 255 3.14159
echo "seq:"; seq 3 3 15 | tr '\n' ' '; echo
echo "date:"; date -u -d @86400 '+%Y-%m-%d %H:%M:%S %a'
echo "sh arithmetic:"; i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done; echo $i
cd /; rm -rf $d
echo "done"
