#include "events/json_writer.hpp"

#include <gtest/gtest.h>

using larder::events::json_writer;

TEST(json_writer, writes_nested_objects_and_arrays_with_commas) {
  json_writer w;
  w.begin_object()
    .field("name", "Boulangerie")
    .field("count", 3)
    .field("paid", false)
    .key("tags")
    .begin_array()
    .value("a")
    .value(std::int64_t{-7})
    .null()
    .begin_object()
    .end_object()
    .end_array()
    .key("raw")
    .raw(R"({"x":1})")
    .end_object();
  EXPECT_EQ(w.str(), R"({"name":"Boulangerie","count":3,"paid":false,)"
                     R"("tags":["a",-7,null,{}],"raw":{"x":1}})");
}

TEST(json_writer, escapes_quotes_backslashes_and_control_characters) {
  json_writer w;
  w.begin_object().field("q", "say \"hi\"\\\n\t\x01").end_object();
  EXPECT_EQ(w.str(), R"({"q":"say \"hi\"\\\n\t\u0001"})");
}

TEST(json_writer, keeps_non_ascii_text_as_utf8) {
  json_writer w;
  w.begin_array().value("Crème brûlée €").end_array();
  EXPECT_EQ(w.str(), "[\"Crème brûlée €\"]");
}
