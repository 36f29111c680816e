#include "extract/documents.hpp"

#include <cctype>
#include <fstream>

#include <gtest/gtest.h>

#include "events/crypto.hpp"

namespace larder::extract {
namespace {

namespace fs = std::filesystem;

class documents : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path()
           / ("larder-documents-" + events::uuid::make_v7().to_string());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path file_of(const std::string& sha) const {
    return dir_ / "documents" / tenant_.to_string() / sha;
  }
  fs::path dir_;
  events::uuid tenant_ = events::uuid::make_v7();
  events::uuid other_ = events::uuid::make_v7();
};

TEST_F(documents, stores_by_content_and_reads_back) {
  document_store store{dir_};
  std::string bytes = std::string("%PDF-1.7\n\0binary\xff", 17);
  auto sha = store.put(tenant_, bytes);
  ASSERT_TRUE(sha) << sha.error().message;
  EXPECT_EQ(*sha, events::to_hex(events::sha256({bytes})));
  // The only variable parts of the path are the tenant id and the hash.
  EXPECT_TRUE(fs::is_regular_file(file_of(*sha)));
  auto back = store.get(tenant_, *sha);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, bytes);
  // Either case of the hash finds it.
  std::string upper = *sha;
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(store.get(tenant_, upper));
  EXPECT_TRUE(store.contains(tenant_, *sha));
}

TEST_F(documents, the_same_bytes_twice_are_one_file_and_no_temporaries_remain) {
  document_store store{dir_};
  auto a = store.put(tenant_, "same bytes");
  auto b = store.put(tenant_, "same bytes");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  std::size_t files = 0;
  for (const auto& entry :
       fs::directory_iterator(dir_ / "documents" / tenant_.to_string())) {
    ++files;
    EXPECT_FALSE(entry.path().filename().string().starts_with(".tmp"));
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(documents, tenants_do_not_see_each_others_documents) {
  document_store store{dir_};
  auto sha = store.put(tenant_, "tenant one's invoice");
  ASSERT_TRUE(sha);
  auto r = store.get(other_, *sha);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_found);
  EXPECT_FALSE(store.contains(other_, *sha));
}

TEST_F(documents, refuses_hashes_that_are_not_hashes) {
  document_store store{dir_};
  for (std::string bad :
       {std::string{"../../etc/passwd"}, std::string{}, std::string(64, 'g'),
        std::string(63, 'a'), std::string(65, 'a')}) {
    auto r = store.get(tenant_, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_argument) << bad;
    EXPECT_FALSE(store.contains(tenant_, bad));
  }
}

TEST_F(documents, a_damaged_file_is_detected_and_a_new_upload_repairs_it) {
  document_store store{dir_};
  std::string bytes = "the original bytes of an invoice";
  auto sha = store.put(tenant_, bytes);
  ASSERT_TRUE(sha);
  {
    std::ofstream out{file_of(*sha), std::ios::binary | std::ios::trunc};
    out << "the original bytes of an invoicX";
  }
  auto r = store.get(tenant_, *sha);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_EQ(r.error().message.find(dir_.string()), std::string::npos)
    << "no path in messages";
  // A file of another size is rewritten by the next upload of the bytes.
  {
    std::ofstream out{file_of(*sha), std::ios::binary | std::ios::trunc};
    out << "short";
  }
  ASSERT_TRUE(store.put(tenant_, bytes));
  auto again = store.get(tenant_, *sha);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, bytes);
}

TEST_F(documents, remove_deletes_and_is_idempotent) {
  document_store store{dir_};
  auto sha = store.put(tenant_, "to be purged");
  ASSERT_TRUE(sha);
  auto first = store.remove(tenant_, *sha);
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  auto second = store.remove(tenant_, *sha);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  EXPECT_FALSE(store.contains(tenant_, *sha));
}

} // namespace
} // namespace larder::extract
