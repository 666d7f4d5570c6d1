#!/usr/bin/env bash
# Prints the demo's live workload as SQL for the `mariadb` client: TICKS small shop transactions, one every
# INTERVAL seconds (default 200 × 0.05 s): a new order with its items and the stock it takes, an order paid or
# shipped, now and then a customer changing tier, an order cancelled (its items deleted) and a product restocked.
# Usage: examples/demo/live-workload.sh [TICKS] [INTERVAL] | mariadb shop
set -euo pipefail
ticks=${1:-200}
interval=${2:-0.05}

echo "SET NAMES utf8mb4; SET time_zone = '+00:00'; USE shop;"
for ((i = 1; i <= ticks; i++)); do
  customer=$((1 + i % 5))
  product=$((1 + i % 3))
  [ "$product" -eq 3 ] && product=4 # product 3 was deleted by the initial workload
  qty=$((1 + i % 4))
  cat <<SQL
START TRANSACTION;
INSERT INTO orders (customer_id, status, total, placed_at)
  SELECT $customer, 'new', price * $qty, NOW(3) FROM products WHERE id = $product;
SET @o = LAST_INSERT_ID();
INSERT INTO order_items (order_id, product_id, qty, unit_price) SELECT @o, id, $qty, price FROM products WHERE id = $product;
UPDATE products SET stock = stock - $qty WHERE id = $product;
COMMIT;
UPDATE orders SET status = IF(status = 'new', 'paid', 'shipped') WHERE id = @o - 2 AND status <> 'cancelled';
SQL
  if ((i % 7 == 0)); then
    echo "UPDATE customers SET tier = ELT(1 + $i % 3, 'bronze', 'silver', 'gold') WHERE id = $customer;"
  fi
  if ((i % 11 == 0)); then
    echo "START TRANSACTION; DELETE FROM order_items WHERE order_id = @o - 5; UPDATE orders SET status = 'cancelled', total = 0 WHERE id = @o - 5; COMMIT;"
  fi
  if ((i % 25 == 0)); then
    echo "UPDATE products SET stock = stock + 50 WHERE stock < 20;"
  fi
  echo "DO SLEEP($interval);"
done
