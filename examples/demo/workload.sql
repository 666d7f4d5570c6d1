-- The demo's sample workload: a small shop. scripts/demo runs it on a throwaway MariaDB that writes ROW binlogs
-- with full metadata, then decodes those binlogs with `binlog-sink parse`.
-- Types: integers (signed/unsigned), DECIMAL, VARCHAR/CHAR with accents, DATETIME(3), JSON, ENUM, BLOB.
SET NAMES utf8mb4;
SET time_zone = '+00:00';

DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE shop;

CREATE TABLE customers (
  id         INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name       VARCHAR(100) NOT NULL,
  email      VARCHAR(200),
  tier       ENUM('bronze','silver','gold') NOT NULL DEFAULT 'bronze',
  created_at DATETIME(3) NOT NULL
);

CREATE TABLE products (
  id         INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sku        CHAR(8) NOT NULL,
  title      VARCHAR(200) NOT NULL,
  price      DECIMAL(10,2) NOT NULL,
  stock      SMALLINT NOT NULL,
  attributes JSON,
  thumbnail  BLOB
);

CREATE TABLE orders (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status      ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  total       DECIMAL(12,2) NOT NULL,
  placed_at   DATETIME(3) NOT NULL
);

CREATE TABLE order_items (
  order_id   BIGINT NOT NULL,
  product_id INT UNSIGNED NOT NULL,
  qty        TINYINT UNSIGNED NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, product_id)
);

-- Inserts ------------------------------------------------------------------------------------------------------
INSERT INTO customers (name, email, tier, created_at) VALUES
  ('Zoë Ångström',   'zoe@example.com',    'gold',   '2024-03-01 09:15:30.250'),
  ('José Müller',    'jose@example.com',   'silver', '2024-03-02 14:02:11.004'),
  ('Ιωάννα Παπαδάκη', NULL,                'bronze', '2024-03-03 18:45:00.000'),
  ('Søren Kierkegård', 'soren@example.dk', 'bronze', '2024-03-04 07:30:59.999');

INSERT INTO products (sku, title, price, stock, attributes, thumbnail) VALUES
  ('MUG-001', 'Café crème mug',       12.50, 40, '{"color": "crème", "volume_ml": 350}', X'89504E470D0A1A0A0000000D49484452'),
  ('TEA-042', 'Thé vert « Sencha »',   8.90, 120, '{"origin": "Japan", "organic": true}', NULL),
  ('BAG-007', 'Jute bag — large',     -0.00, 15, NULL, X'00FF00FF'),
  ('PEN-100', 'Fountain pen ✒',       149.99, 3, '{"nib": "F", "tags": ["gift", "luxury"]}', X'');

INSERT INTO orders (customer_id, status, total, placed_at) VALUES
  (1, 'new', 25.00, '2024-03-05 10:00:00.123'),
  (2, 'new', 8.90,  '2024-03-05 10:05:42.500');

INSERT INTO order_items (order_id, product_id, qty, unit_price) VALUES
  (1, 1, 2, 12.50),
  (2, 2, 1, 8.90);

-- Updates and a delete ------------------------------------------------------------------------------------------
UPDATE customers SET tier = 'gold', email = 'jose.mueller@example.com' WHERE id = 2;
UPDATE products SET price = price * 0.9, stock = stock - 2 WHERE sku IN ('MUG-001', 'TEA-042');
UPDATE orders SET status = 'paid' WHERE id = 1;
DELETE FROM products WHERE sku = 'BAG-007';

-- A multi-statement transaction: one order with its items and the stock it takes ---------------------------------
START TRANSACTION;
INSERT INTO orders (customer_id, status, total, placed_at) VALUES (3, 'new', 167.89, '2024-03-06 16:20:00.001');
SET @order_id = LAST_INSERT_ID();
INSERT INTO order_items (order_id, product_id, qty, unit_price) VALUES
  (@order_id, 4, 1, 149.99),
  (@order_id, 1, 1, 11.25),
  (@order_id, 2, 1, 8.01);
UPDATE products SET stock = stock - 1 WHERE id IN (1, 2, 4);
UPDATE orders SET status = 'paid' WHERE id = @order_id;
COMMIT;

-- Schema change mid-stream, then more DML on the new shape -----------------------------------------------------
ALTER TABLE customers ADD COLUMN phone VARCHAR(20) NULL AFTER email;

UPDATE customers SET phone = '+45 33 12 34 56' WHERE id = 4;
INSERT INTO customers (name, email, phone, tier, created_at) VALUES
  ('Ana Lúcia Gonçalves', 'ana@example.pt', '+351 21 000 0000', 'silver', '2024-03-07 12:00:00.000');
UPDATE orders SET status = 'shipped' WHERE status = 'paid';
DELETE FROM order_items WHERE order_id = 2;
UPDATE orders SET status = 'cancelled', total = 0 WHERE id = 2;
