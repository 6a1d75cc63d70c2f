#include <stdio.h>
int main(void) { puts("hindcast"); return 0; }
