# Attack: make every test pass by patching otter's test classes in the notebook's kernel.
import otter.test_files.abstract_test as abstract_test
import otter.test_files.exception_test as exception_test

abstract_test.TestFile.score = property(lambda self: self.possible)
abstract_test.TestFile.passed_all = property(lambda self: True)
exception_test.test_case.call_func = lambda self, env: None
exception_test.ExceptionTestFile.run = lambda self, env: setattr(self, "test_case_results", [])
builtins = __import__("builtins")
builtins.AssertionError = type("NeverRaised", (Exception,), {})
print("patched otter")
