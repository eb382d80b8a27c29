/* lxtiny: the "simple process" of lxbench (lxbench.c): a static program
 * that exits at once, what fork + exec + exit + wait costs beyond it. */
int main(void)
{
    return 0;
}
