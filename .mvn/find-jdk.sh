# Sourced by ./mvnw and bin/modelforge: point JAVA_HOME at a JDK 25 or newer.
# Keeps a JAVA_HOME that is already 25+; otherwise tries the default `java`, then the JDKs
# installed under /usr/lib/jvm (Temurin 25 on the build machines). Prints why when none is found.
modelforge_java_feature() { # $1 = a java binary; prints its feature version (17, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
modelforge_find_jdk() {
  _need=25
  if [ -n "${JAVA_HOME-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    _v=$(modelforge_java_feature "$JAVA_HOME/bin/java")
    [ "${_v:-0}" -ge "$_need" ] && return 0
  fi
  for _home in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2[5-9]-jdk-* /usr/lib/jvm/java-2[5-9]-* \
    /usr/lib/jvm/jdk-2[5-9]* /usr/lib/jvm/*; do
    if [ -x "$_home/bin/java" ] && [ -x "$_home/bin/javac" ]; then
      _v=$(modelforge_java_feature "$_home/bin/java")
      if [ "${_v:-0}" -ge "$_need" ]; then
        JAVA_HOME=$_home
        export JAVA_HOME
        return 0
      fi
    fi
  done
  if command -v java >/dev/null 2>&1; then
    _v=$(modelforge_java_feature java)
    if [ "${_v:-0}" -ge "$_need" ]; then
      JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
      export JAVA_HOME
      return 0
    fi
  fi
  echo "ModelForge needs JDK $_need or newer and found none (JAVA_HOME='${JAVA_HOME-}'," \
    "default java is ${_v:-absent})." >&2
  echo "Install Temurin $_need (for example into /usr/lib/jvm/temurin-25-jdk-amd64) or" \
    "export JAVA_HOME=/path/to/jdk-$_need." >&2
  return 1
}
