// The build failed with exactly one javac-format error per misuse, absolute paths, and wrote nothing.
def source = new File(basedir, 'src/main/java/demo/Misuse.java').absoluteFile.toPath().normalize().toString()
def log = new File(basedir, 'build.log').text
def expected = [
    "[ERROR] ${source}:12: error: Coda.await in a constructor of Misuse cannot suspend; move the awaiting code into an @Async factory method or method",
    "[ERROR] ${source}:19: error: Coda.await inside a synchronized block in Misuse.locked; a monitor cannot be held across a suspension: move the await out of the synchronized block",
    "[ERROR] ${source}:25: error: Coda.await in Misuse.plain, which is neither an @Async method nor an async lambda; annotate the method with @Async and make it return Task<T> (or await inside a lambda that returns a Task)",
]
def codaErrors = log.readLines().findAll { it.startsWith('[ERROR] ' + source) }
assert codaErrors == expected.collect { it.toString() } : "diagnostics were:\n" + codaErrors.join('\n')
assert log.contains('[ERROR] Failed to execute goal dev.coda:coda-maven-plugin:') && log.contains(': Coda: 3 errors')

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
