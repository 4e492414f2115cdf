// Never returns: the run's --timeout must stop it.
int main(void) {
    volatile unsigned long counter = 0;
    for (;;) counter++;
}
