#pragma once

#include <string_view>

/// Invoices as pdftotext -layout prints them, written for these tests:
/// the shapes of real supplier documents, with invented parties.
namespace larder::extract::test_invoices {

/// A Québec food distributor: French labels, TPS and TVQ, decimal commas.
inline constexpr std::string_view quebec = R"(
    Distribution Alimentaire Laurentides Inc.
    1250, rue Principale
    Saint-Jérôme (Québec) J7Z 1X1
    No TPS : 123456789 RT0001
    No TVQ : 1234567890 TQ0001

                                                   FACTURE

    Facturé à :                                     Facture no :      F-2025-00412
    Bistro Chez Marie                               Date de facture : 5 mars 2025
    45, rue Saint-Paul                              Échéance :        4 avril 2025
    Montréal (Québec) H2Y 1Z8                       Bon de commande : BC-7781
                                                    Conditions :      Net 30

    Code      Description                      Qté    Unité   Prix unitaire     Montant
    FR-101    Tomates italiennes caisse 10 lb    4    cs             18,50        74,00
    LT-220    Crème 35 % 2 L                     6    un              9,75        58,50
    VI-330    Poulet entier frais               12    kg             11,20       134,40

                                                       Sous-total               266,90 $
                                                       TPS (5 %)                 13,35 $
                                                       TVQ (9,975 %)             26,62 $
                                                       Total                    306,87 $
)";

/// An Ontario produce supplier in English with 13 % HST.
inline constexpr std::string_view ontario = R"(
GREENFIELD PRODUCE LTD.
88 Dufferin Street, Toronto, ON M6K 1X9
HST Registration No. 987654321 RT0001

INVOICE

Invoice #: 55021                                   Invoice Date: March 12, 2025
PO Number: 4410                                    Terms: Net 15

Bill To:
The Queen West Kitchen
1020 Queen St W, Toronto

Item Description                  Qty      Unit Price        Amount
Romaine hearts, case 24            3           42.00          126.00
Lemons, 140 ct                     2           61.50          123.00
Fresh basil, 1 lb                  5           12.40           62.00

                                              Subtotal        311.00
                                              HST 13%          40.43
                                              Total Due      $351.43
)";

/// A UK wholesaler with VAT at 20 % and 0 %.
inline constexpr std::string_view uk = R"(
Thames Catering Supplies Limited
Unit 4, Riverside Park, London SE16 4AB
VAT Reg No: GB 123 4567 89

TAX INVOICE

Invoice No:   TCS-10023
Date:         14/02/2025
Due Date:     16/03/2025

Customer:     The Anchor Pub, 12 Dock Lane, London

Description                            Qty    Price      Total
Cleaning chemicals (VAT 20%)            2     25.00      50.00
Fresh bread loaves (VAT 0%)            10      1.80      18.00

                                   Net Total            £68.00
                                   VAT @ 20%            £10.00
                                   Total                £78.00
)";

/// A US seafood distributor: mdy dates, sales tax, balance due.
inline constexpr std::string_view us = R"(
Atlantic Seafood Co., Inc.
200 Harbor Road, Boston, MA 02110
Federal Tax ID: 04-1234567

Invoice Number: 100782
Invoice Date: 03/04/2025
Payment Terms: Net 30
Customer PO: 99-1

SOLD TO: Harbor Grill LLC, 5 Main St, Boston MA

Description                      Quantity    Rate       Amount
Atlantic salmon fillet, lb          20       14.25      285.00
Little neck clams, bag               4       38.00      152.00

Subtotal                                               437.00
Sales Tax (6.25%)                                       27.31
Total                                                  464.31
Amount Paid                                              0.00
Balance Due                                        $464.31 USD
)";

/// A credit note from the Ontario supplier for returned lemons.
inline constexpr std::string_view credit_note = R"(
GREENFIELD PRODUCE LTD.
HST Registration No. 987654321 RT0001

CREDIT NOTE

Credit Note #: CN-0091                             Date: 2025-03-20

Description                   Qty    Unit Price     Amount
Lemons returned, 140 ct         1         61.50      61.50

                                        Subtotal      61.50
                                        HST 13%        8.00
                                        Total         69.50
)";

} // namespace larder::extract::test_invoices
