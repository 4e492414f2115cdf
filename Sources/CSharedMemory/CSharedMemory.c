// Everything is inline in include/CSharedMemory.h; SwiftPM needs one source file per C target.
#include "CSharedMemory.h"
