// The module's tests passed on the module path against the rewritten classes.
def log = new File(basedir, 'build.log').text
assert log =~ /Tests run: 2, Failures: 0, Errors: 0, Skipped: 0/
assert log.contains('[INFO] Coda: 1 class rewritten, 1 state machine generated') : 'main classes: Greeter'
assert !log.contains('[WARNING] Coda') && !log.contains('[ERROR]')
assert new File(basedir, 'target/classes/demo/modular/Greeter$$Coda$greet.class').isFile()
assert new File(basedir, 'target/classes/module-info.class').isFile()
return true
