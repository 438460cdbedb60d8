# Sourced by bin/molt and bin/moltd (not run on its own): finds a Java 25+ runtime and Molt's
# class path, in a development checkout or an installed layout.
#
#   MOLT_JAVA_HOME  the JDK to use (else JAVA_HOME when it is 25 or later, else
#                   /usr/lib/jvm/temurin-25-jdk-amd64, else `java` on PATH when it is 25+)
#   MOLT_HOME       an installed Molt: its lib/ holds every jar (else the directory above bin/,
#                   which in a checkout holds coordinator/target/)
#   MOLT_JAVA_OPTS  extra JVM options, split on spaces

MOLT_MIN_JAVA=25

molt_die() {
  echo "$*" >&2
  exit 1
}

# The feature release (17, 25, ...) of the JDK at $1, from its release file or by asking it.
molt_java_feature() {
  local home=$1 version=
  if [[ -f $home/release ]]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [[ -z $version ]]; then
    version=$("$home/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java.specification.version = //p')
  fi
  version=${version#1.} # 1.8 -> 8
  echo "${version%%[.+-]*}"
}

# Prints the java binary to run, or dies naming what was tried.
molt_java() {
  local home feature tried=()
  if [[ -n ${MOLT_JAVA_HOME:-} ]]; then
    [[ -x $MOLT_JAVA_HOME/bin/java ]] ||
      molt_die "molt: MOLT_JAVA_HOME=$MOLT_JAVA_HOME has no bin/java"
    feature=$(molt_java_feature "$MOLT_JAVA_HOME")
    ((${feature:-0} >= MOLT_MIN_JAVA)) ||
      molt_die "molt: MOLT_JAVA_HOME=$MOLT_JAVA_HOME is Java ${feature:-?}; Molt needs $MOLT_MIN_JAVA or later"
    echo "$MOLT_JAVA_HOME/bin/java"
    return
  fi
  local path_java=
  if path_java=$(command -v java 2>/dev/null); then
    path_java=$(dirname "$(dirname "$(readlink -f "$path_java")")")
  fi
  for home in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 "$path_java"; do
    [[ -n $home && -x $home/bin/java ]] || continue
    feature=$(molt_java_feature "$home")
    if ((${feature:-0} >= MOLT_MIN_JAVA)); then
      echo "$home/bin/java"
      return
    fi
    tried+=("$home (Java ${feature:-?})")
  done
  molt_die "molt: needs Java $MOLT_MIN_JAVA or later; found ${tried[*]:-none}. Set MOLT_JAVA_HOME to a JDK $MOLT_MIN_JAVA."
}

# Prints the class path: an installed lib/, or a checkout's classes plus the list Maven wrote.
molt_classpath() {
  local root=$1
  if [[ -n ${MOLT_HOME:-} ]]; then
    compgen -G "$MOLT_HOME/lib/*.jar" >/dev/null ||
      molt_die "molt: MOLT_HOME=$MOLT_HOME has no lib/*.jar"
    echo "$MOLT_HOME/lib/*"
  elif [[ -f $root/coordinator/target/molt-classpath.txt && -d $root/coordinator/target/classes ]]; then
    echo "$root/coordinator/target/classes:$(<"$root/coordinator/target/molt-classpath.txt")"
  elif compgen -G "$root/lib/*.jar" >/dev/null; then
    echo "$root/lib/*"
  else
    molt_die "molt: no Molt build under $root: in a checkout run" \
      "'./mvnw -B -ntp -q -pl coordinator -am install -DskipTests'; for an installed Molt set MOLT_HOME."
  fi
}
