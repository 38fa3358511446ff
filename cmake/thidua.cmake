# One place for the build rules every target shares: warnings as errors, sanitizers, include root.

set(THIDUA_WARNINGS -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 reports -Wrestrict inside libstdc++'s std::string concatenation at -O3 (GCC bug 105329).
  list(APPEND THIDUA_WARNINGS -Wno-restrict)
endif()

function(thidua_apply_flags target)
  target_compile_options(${target} PRIVATE ${THIDUA_WARNINGS})
  thidua_apply_sanitizers(${target})
endfunction()

# Sanitizers without our warning flags: for third-party code compiled here (generated protobuf, Asio/Beast).
function(thidua_apply_sanitizers target)
  if(THIDUA_ASAN_UBSAN)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  if(THIDUA_TSAN)
    # -Wno-tsan: GCC 12 warns that TSan does not model atomic_thread_fence, which Asio's signal_set uses.
    # -U__SANITIZE_THREAD__: Debian's libprotobuf is built without TSan, and protobuf's headers change the
    # layout of map fields when they see that macro (map_field.h adds race-detection counters), so our inline
    # accessors would read a google.protobuf.Struct that the library laid out differently (a crash in the
    # JSON frame checks). libstdc++'s own TSan mode, which the macro also turns on, is kept by hand.
    # -fvisibility=hidden: the functions of RocksDB's headers and of the standard templates that we instantiate
    # (the copy of rocksdb::DbPath in its options, an unordered_set<string>'s rehash) would otherwise interpose
    # on librocksdb's own copies, so RocksDB's uninstrumented internals would run our instrumented code and
    # TSan, blind to RocksDB's synchronization, would see races between RocksDB's threads on RocksDB's data.
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan -U__SANITIZE_THREAD__
                                             -D_GLIBCXX_TSAN=1 -fvisibility=hidden)
    target_link_options(${target} PUBLIC -fsanitize=thread)
  endif()
endfunction()

# thidua_add_library(NAME SRCS a.cc b.cc DEPS x y)
function(thidua_add_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  thidua_apply_flags(${name})
endfunction()

# thidua_add_executable(NAME SRCS a.cc DEPS x y)
function(thidua_add_executable name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  thidua_apply_flags(${name})
endfunction()

# thidua_add_proto_library(NAME PROTOS a.proto DEPS x): protos are named from the project root, so
# "storage/proto/log.proto" generates "storage/proto/log.pb.h" and imports read the same way.
# Generated code is not held to our warning flags.
function(thidua_add_proto_library name)
  cmake_parse_arguments(ARG "" "" "PROTOS;DEPS" ${ARGN})
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(abs ${proto} ABSOLUTE)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${abs})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(out_cc ${PROJECT_BINARY_DIR}/${stem}.pb.cc)
    set(out_h ${PROJECT_BINARY_DIR}/${stem}.pb.h)
    add_custom_command(
      OUTPUT ${out_cc} ${out_h}
      COMMAND protobuf::protoc --cpp_out=${PROJECT_BINARY_DIR} -I ${PROJECT_SOURCE_DIR} ${abs}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND srcs ${out_cc} ${out_h})
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  target_include_directories(${name} PUBLIC ${PROJECT_BINARY_DIR})
  thidua_apply_sanitizers(${name})
endfunction()

# thidua_storage_internals(TARGET): lets TARGET include storage/rocksdb/ (storage/rocksdb/private.h). Only the
# storage library and storage's white-box tests (tests/storage/rocksdb/) are marked.
function(thidua_storage_internals target)
  target_compile_definitions(${target} PRIVATE THIDUA_STORAGE_INTERNALS)
endfunction()

# thidua_forbid_lines(DIR REGEX WHY): configuring stops on any .h/.cc under DIR with a line matching REGEX.
# For layer rules a linker cannot see (header-only libraries, the wall clock).
function(thidua_forbid_lines dir regex why)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${dir}/*.h ${dir}/*.cc)
  foreach(f ${files})
    file(STRINGS ${f} found REGEX "${regex}")
    if(found)
      message(FATAL_ERROR "${f}: ${found}\n${why}")
    endif()
  endforeach()
endfunction()
