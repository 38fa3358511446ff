# Writes the man page of a program from its own --help (and each subcommand's), gzipped as Debian wants it:
# the page says exactly what the program says. Arguments: -DPROGRAM= -DNAME= -DSUMMARY= -DVERSION=
# -DSUBCOMMANDS="verify;head;token create" (optional) -DOUT=<file>.1.gz
function(help_of args out)
  separate_arguments(argv UNIX_COMMAND "${args}")
  execute_process(COMMAND "${PROGRAM}" ${argv} --help OUTPUT_VARIABLE text ERROR_VARIABLE text
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} ${args} --help failed (${rc}): ${text}")
  endif()
  # roff: a backslash is \e; a line starting with "." or "'" would be a request.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

string(TOUPPER "${NAME}" upper)
string(TIMESTAMP month "%B %Y" UTC)
help_of("" usage)
set(page ".TH ${upper} 1 \"${month}\" \"${NAME} ${VERSION}\" \"User Commands\"\n.SH NAME\n${NAME} \\- ${SUMMARY}\n.SH DESCRIPTION\n.nf\n${usage}\n.fi\n")
foreach(sub IN LISTS SUBCOMMANDS)
  help_of("${sub}" text)
  string(TOUPPER "${sub}" title)
  string(APPEND page ".SH ${title}\n.nf\n${text}\n.fi\n")
endforeach()
string(APPEND page ".SH SEE ALSO\nthidua(1), thidua-server(1); /usr/share/doc/thidua\n")
get_filename_component(dir "${OUT}" DIRECTORY)
string(REGEX REPLACE "\\.gz$" "" plain "${OUT}")
file(WRITE "${plain}" "${page}")
file(REMOVE "${OUT}")
execute_process(COMMAND gzip -9n "${plain}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${plain} failed")
endif()
