// The build failed with exactly the diagnostics below, errors and warnings, in javac's format with absolute paths,
// and wrote nothing.
def sources = new File(basedir, 'src/main/java').absoluteFile.toPath().normalize().toString()
def source = new File(basedir, 'src/main/java/demo/Misuse.java').absoluteFile.toPath().normalize().toString()
def log = new File(basedir, 'build.log').text
def expected = [
    "[ERROR] ${source}:15: error: Coda.await in a constructor of Misuse cannot suspend; move the awaiting code into an @Async factory method or method",
    "[ERROR] ${source}:22: error: Coda.await inside a synchronized block in Misuse.locked; a monitor cannot be held across a suspension: move the await out of the synchronized block",
    "[ERROR] ${source}:28: error: Coda.await in Misuse.plain, which is neither an @Async method nor an async lambda; annotate the method with @Async and make it return Task<T> (or await inside a lambda that returns a Task)",
    "[ERROR] ${source}:32: error: Coda.await in a lambda in Misuse.total, which is not an async lambda (it does not return a Task, so it cannot suspend); make the lambda return a Task (ending with return Task.completed(value)), or move the await out of the lambda (for example, await the tasks in a loop)",
    "[ERROR] ${source}:38: error: assignment to @Owned parameter 'in' in Misuse.read, which may still hold a live value; move the old value out first with Coda.move(in), or declare a new variable",
    // One warning for the try-with-resources, although javac writes its close() once per exit.
    "[WARNING] ${source}:45: warning: Misuse.closeNow closes an AsyncCloseable (demo.Conn) synchronously, blocking until its closeAsync() completes (and throwing on a thread that runs a coroutine): close it in an @Async method, where try-with-resources awaits closeAsync(), or await closeAsync() yourself",
    "[WARNING] ${source}:54: warning: Misuse.holdAcross may still hold the java.util.concurrent.locks.Lock it locked at line 52 when it reaches this await; a Lock belongs to the thread that locked it and the method may resume on another, where unlock() throws IllegalMonitorStateException and the lock stays held: unlock before the await",
]
def diagnostics = log.readLines().findAll { it.startsWith('[ERROR] ' + sources) || it.startsWith('[WARNING] ' + sources) }
assert diagnostics == expected.collect { it.toString() } : "diagnostics were:\n" + diagnostics.join('\n')
assert log.contains('[ERROR] Failed to execute goal dev.coda:coda-maven-plugin:') && log.contains(': Coda: 5 errors')

def classes = new File(basedir, 'target/classes')
assert new File(classes, 'demo/Misuse.class').isFile() && new File(classes, 'demo/Fine.class').isFile()
def generated = []
classes.eachFileRecurse { if (it.name.contains('$$Coda$')) generated << it }
assert generated.isEmpty() : "nothing may be written when the build fails, found ${generated}"
def leftovers = []
classes.eachFileRecurse { if (!it.name.endsWith('.class') && it.isFile()) leftovers << it }
assert leftovers.isEmpty() : "temporary files left behind: ${leftovers}"
// Fine.class is as javac wrote it: no Coda marker attribute.
assert !new String(new File(classes, 'demo/Fine.class').bytes, 'ISO-8859-1').contains('dev.coda.Instrumented')
return true
