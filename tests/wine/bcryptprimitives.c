/* Wine 8 (Debian 12) lacks bcryptprimitives.dll, which Rust's standard library imports on Windows
 * for ProcessPrng since Rust 1.78: without it a program exits at once with status 53 and no output.
 * This shim gives ProcessPrng over RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 * Built by scripts/test-windows with x86_64-w64-mingw32-gcc; only for running the tests under Wine. */
#include <windows.h>

typedef BOOLEAN (WINAPI *RtlGenRandomFn)(PVOID, ULONG);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    static RtlGenRandomFn gen = NULL;
    if (!gen) {
        HMODULE advapi = LoadLibraryA("advapi32.dll");
        if (!advapi) return FALSE;
        gen = (RtlGenRandomFn)GetProcAddress(advapi, "SystemFunction036");
        if (!gen) return FALSE;
    }
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!gen(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
