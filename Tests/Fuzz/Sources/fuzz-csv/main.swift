// The entry point: libFuzzer runs fuzzCSV over its inputs. (A closure, not the function itself, so
// that the C entry LLVMFuzzerTestOneInput, which libFuzzer's own main also wants, is defined only once.)
import FuzzSupport

runLibFuzzer { fuzzCSV($0, $1) }
