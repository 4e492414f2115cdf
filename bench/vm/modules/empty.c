// The empty program: what `swiftlet run` costs with nothing to run.
int main(void) { return 0; }
