// The rewritten classes passed the project's own tests; here: the files and the log lines.
def classes = new File(basedir, 'target/classes/demo')
def testClasses = new File(basedir, 'target/test-classes/demo')
def log = new File(basedir, 'build.log').text

def machines = classes.list().findAll { it.contains('$$Coda$') }.sort()
assert machines.contains('Orders$$Coda$total.class') : "no state machine for Orders.total in ${classes.list()}"
assert machines.contains('Orders$$Coda$label.class') : "no state machine for Orders.label in ${classes.list()}"
assert machines.size() == 3 : "expected 3 state machines (total, label, the lambda), found ${machines}"
assert new File(testClasses, 'OrdersTest$$Coda$twice.class').isFile() : "instrument-tests did not run: ${testClasses.list()}"

assert log.contains('[INFO] Coda: 1 class rewritten, 3 state machines generated')
assert log.contains('[INFO] Coda: 1 class rewritten, 1 state machine generated')
assert log =~ /Tests run: 4, Failures: 0, Errors: 0, Skipped: 0/
assert !log.contains('[WARNING] Coda') && !log.contains('[ERROR]')
return true
