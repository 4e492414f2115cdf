// SwiftPM needs one source file per C target; everything CKVM exports lives in include/CKVM.h.
#include "CKVM.h"
