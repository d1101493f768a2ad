// Both modules were rewritten in a parallel build, and the app's test ran against the api's rewritten jar.
def log = new File(basedir, 'build.log').text
assert log.contains('Using the MultiThreadedBuilder implementation with a thread count of 2')
assert !log.contains('not marked as @threadSafe') && !log.contains('not thread-safe')
assert !log.contains('[WARNING] Coda') && !log.contains('[ERROR]')

def summaries = log.readLines().findAll { it.startsWith('[INFO] Coda: ') }
assert summaries.count('[INFO] Coda: 1 class rewritten, 1 state machine generated') == 2 : summaries.join('\n')
assert log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0/

assert new File(basedir, 'api/target/classes/demo/api/Inventory$$Coda$count.class').isFile()
assert new File(basedir, 'app/target/classes/demo/app/Checkout$$Coda$check.class').isFile()
def jar = new java.util.zip.ZipFile(new File(basedir, 'api/target').listFiles().find { it.name ==~ /reactor-api-.*\.jar/ })
try {
    assert jar.getEntry('demo/api/Inventory$$Coda$count.class') != null : 'the packaged jar holds the state machine'
} finally {
    jar.close()
}
return true
