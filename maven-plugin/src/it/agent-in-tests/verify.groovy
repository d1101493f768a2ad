// The tests passed with classes rewritten as they loaded; nothing was rewritten at build time.
def log = new File(basedir, 'build.log').text
assert log =~ /Tests run: 2, Failures: 0, Errors: 0, Skipped: 0/
assert !log.contains('[ERROR]')
assert !log.contains('Coda:') : 'no plugin ran, so the build log has no Coda summary'
def generated = []
new File(basedir, 'target').eachFileRecurse { if (it.name.contains('$$Coda$')) generated << it }
assert generated.isEmpty() : "the agent rewrites in memory; found ${generated}"
// -XX:+EnableDynamicAgentLoading keeps JDK 21+ from warning about the agent attached at run time.
assert !log.contains('A Java agent has been loaded dynamically')
return true
