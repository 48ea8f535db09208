# Sourced by ./rawblock and ./run-tests: finds a JDK >= 25 and exports JAVA_HOME.
# Order: $JAVA_HOME if it is new enough, then the usual install locations.

rawblock_java_major() {  # prints the major version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

rawblock_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/* \
                   /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* /usr/local/*jdk*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(rawblock_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  cat >&2 <<'MSG'
rawblock: no JDK 25 or newer found.
  Looked at $JAVA_HOME and /usr/lib/jvm, /opt/java, /opt/jdk*, ~/.sdkman.
  Install one (e.g. Temurin 25: https://adoptium.net) or set JAVA_HOME to it.
MSG
  return 1
}
