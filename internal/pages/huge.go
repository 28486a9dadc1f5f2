package pages

// HugeHeap prepares the Go heap for huge pages, where the kernel gives
// them only to memory that asks (transparent huge pages on "madvise", the
// default of many distributions' kernels): it has the runtime map room for
// about n bytes of heap now, asks for huge pages there, and gives the room
// back for the heap to grow into. Later calls of AdviseHeap ask again for
// room mapped since. The first call for 64 MiB or more does it, and only
// on Linux in a 64-bit process: nothing where the kernel gives huge pages
// to all memory or to none, or its huge pages are not 2 MiB, under a limit
// on the address space or the data (ulimit -v, ulimit -d) or strict
// overcommit accounting (where mapped room counts as memory used, and a
// refused mapping would end the process), or with GODEBUG's disablethp
// set; later calls do nothing.
//
// A large close touches its gigabyte of heap for the first time within
// seconds, and each first touch of a 4 KiB page is a page fault. On the
// virtual machine incent's figures come from, a fault costs far more than
// on bare metal, and at a million sales the faults of a first calc cost
// one to three seconds: with huge pages there are a quarter to a fifteenth
// as many. Go's runtime asks for huge pages only for its own bookkeeping,
// and it maps the heap a piece at a time as it grows, so the asking must
// come from the program, before the heap is touched.
func HugeHeap(n int64) { hugeHeap(n) }

// AdviseHeap asks again for huge pages in the whole of the heap's range,
// for room the heap has mapped since HugeHeap as it grows past what was
// prepared. It does nothing once EndHugeHeap has been called, and is cheap
// enough to call after every collection.
func AdviseHeap() { adviseHeap() }

// EndHugeHeap stops asking for huge pages, and has the heap's room ask for
// none from now on (pages already huge stay so), for the rest of a command
// that has read its quarter and goes on to render statements: those
// gained nothing from huge pages on their own, and rendered after a calc
// whose heap asked for them they took more CPU.
func EndHugeHeap() { endHugeHeap() }
