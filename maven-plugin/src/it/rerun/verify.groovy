// Invocation 1 rewrote the three async classes; invocation 2, without clean, rewrote nothing; 3 skipped.
def log = new File(basedir, 'build.log').text
def summaries = log.readLines().findAll { it.startsWith('[INFO] Coda: ') }
assert summaries == [
    '[INFO] Coda: 3 classes rewritten, 3 state machines generated',
    '[INFO] Coda: 0 classes rewritten (3 already instrumented)',
    '[INFO] Coda: skipped (coda.skip=true), the classes are left as compiled',
] : "Coda said:\n" + summaries.join('\n')

def classes = new File(basedir, 'target/classes/demo')
['Alpha', 'Beta', 'Gamma'].each { assert new File(classes, it + '$$Coda$name.class').isFile() }
assert classes.list().findAll { it.contains('$$Coda$') }.size() == 3
assert classes.list().every { it.endsWith('.class') } : "temporary files left behind: ${classes.list()}"
return true
