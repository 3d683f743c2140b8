# embed.cmake: writes a C file holding the web page, so the binary serves it
# from memory wherever it runs.
#
#   cmake -DOUT=assets.c -DWEB=<dir> -P embed.cmake
#
set(c "/* Generated from apps/diun-dashboard/web by embed.cmake. DO NOT EDIT. */\n#include \"dashboard.h\"\n\n")
set(table "")
set(i 0)
# embed(URL-PATH FILE CONTENT-TYPE)
macro(embed url file type)
  file(READ "${WEB}/${file}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    " bytes "${bytes}")
  string(APPEND c "/* ${file} */\nstatic const unsigned char asset_${i}[] = {\n    ${bytes}0x00\n};\n\n")
  string(APPEND table "    { \"${url}\", \"${type}\", asset_${i}, ${len} },\n")
  math(EXPR i "${i} + 1")
endmacro()

embed("/" index.html "text/html; charset=utf-8")
embed("/app.js" app.js "text/javascript; charset=utf-8")
embed("/style.css" style.css "text/css; charset=utf-8")
embed("/favicon.svg" favicon.svg "image/svg+xml")

string(APPEND c "const dash_asset dash_assets[] = {\n${table}};\nconst size_t dash_asset_count = ${i};\n")
file(WRITE "${OUT}.tmp" "${c}")
file(RENAME "${OUT}.tmp" "${OUT}")
