#include "extract/ocr/ocr.hpp"

#include <gtest/gtest.h>
