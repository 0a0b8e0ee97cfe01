"""The jupyter_kernel_test suite (0.7) against the paralab kernel: every test but the pager."""
import unittest

import jupyter_kernel_test as jkt


class ParalabKernelTests(jkt.KernelTests):
    kernel_name = "paralab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "const someLongName = 1;\nsomeLong", "matches": {"someLongName"}},
    ]
    complete_code_samples = ["1 + 1", "let x = 1;", "function f() { return 1; }", "%lsmagic"]
    incomplete_code_samples = ["function f() {", "let a = [1, 2,", "%%parallel\nfor (let i = 0; i < 3; i++) {"]
    # The TypeScript grammar recovers from almost anything, so tslab reports no "invalid" code.
    invalid_code_samples: list[str] = []

    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
    ]
    code_display_data = [
        {"code": 'import { display } from "paralab";\ndisplay.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import { display } from "paralab";\ndisplay.png(new Uint8Array([137, 80, 78, 71]))', "mime": "image/png"},
    ]
    code_history_pattern = "6 ?*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.max"
    code_clear_output = 'import { display } from "paralab";\ndisplay.clear()'


class ParalabIopubWelcomeTests(jkt.IopubWelcomeTests):
    kernel_name = "paralab"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
